package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentMemoryIT {

  private final MeshRedis redis;
  private final AgentMemory memory;
  private final String runId;

  AgentMemoryIT(SharedInfra infra) {
    this.redis = MeshRedis.connect(infra.redisUri());
    this.memory = redis.memory();
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void readsTheLastMessagesInOrder() {
    await(memory.append(runId, "writer", messages(1, 5)));
    assertThat(await(memory.last(runId, "writer", 2))).extracting(Message::content).containsExactly("m4", "m5");
    assertThat(await(memory.all(runId, "reviewer"))).isEmpty();
  }

  @Test
  void trimmingByCountKeepsTheNewestMessages() {
    await(memory.append(runId, "writer", messages(1, 10)));
    List<Message> kept = await(memory.trim(runId, "writer", MemoryBound.messages(3)));
    assertThat(kept).extracting(Message::content).containsExactly("m8", "m9", "m10");
    assertThat(await(memory.all(runId, "writer"))).isEqualTo(kept);
  }

  @Test
  void trimmingByTokensHoldsTheBound() {
    List<Message> long40 = IntStream.rangeClosed(1, 10).mapToObj(i -> new Message("user", "x".repeat(40))).toList();
    List<Message> kept = await(memory.appendAndTrim(runId, "writer", long40, MemoryBound.tokens(35)));
    assertThat(kept).hasSize(3);
    assertThat(kept.stream().mapToInt(Message::approxTokens).sum()).isLessThanOrEqualTo(35);
  }

  @Test
  void aSummariserReplacesTheDroppedMessages() {
    MemoryBound bound = MemoryBound.messages(4).summarisedBy(
        dropped -> new Message("system", "summary of " + dropped.stream().map(Message::content).toList()));
    await(memory.append(runId, "writer", messages(1, 6)));
    List<Message> kept = await(memory.trim(runId, "writer", bound));
    assertThat(kept).extracting(Message::content)
        .containsExactly("summary of [m1, m2, m3]", "m4", "m5", "m6");

    await(memory.append(runId, "writer", messages(7, 8)));
    List<Message> again = await(memory.trim(runId, "writer", bound));
    assertThat(again).extracting(Message::content)
        .containsExactly("summary of [summary of [m1, m2, m3], m4, m5]", "m6", "m7", "m8");
  }

  @Test
  void theBoundHoldsWhileAgentsAppendAndTrimConcurrently() {
    MemoryBound bound = MemoryBound.messages(5);
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < 4; w++) {
        int writer = w;
        writers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 25; i++) {
            await(memory.appendAndTrim(runId, "crew", List.of(new Message("user", writer + ":" + i)), bound));
          }
        }, threads));
      }
      CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
    }
    List<Message> end = await(memory.trim(runId, "crew", bound));
    assertThat(end).hasSize(5);
  }

  @Test
  void anAppendWithAnIdIsKeptOnceHoweverOftenItComes() {
    List<Message> turn = List.of(new Message("user", "q1"), new Message("assistant", "a1"));
    assertThat(await(memory.appendOnce(runId, "writer", "writer|in-1", turn))).isTrue();
    assertThat(await(memory.appendOnce(runId, "writer", "writer|in-1",
        List.of(new Message("user", "q1"), new Message("assistant", "another answer"))))).isFalse();
    assertThat(await(memory.appendOnce(runId, "writer", "writer|in-2", List.of(new Message("user", "q2"))))).isTrue();
    assertThat(await(memory.appendOnce(runId, "reviewer", "writer|in-1", turn)))
        .as("ids are per memory").isTrue();

    assertThat(await(memory.all(runId, "writer"))).extracting(Message::content).containsExactly("q1", "a1", "q2");
    assertThat(await(redis.commands().pttl(redis.keys().memoryAppends(runId, "writer"))))
        .as("the ids expire with the run").isPositive();
  }

  @Test
  void aRepeatedAppendStillTrimsAndIsNotAddedBackAfterTrimming() {
    MemoryBound bound = MemoryBound.messages(2);
    await(memory.appendOnceAndTrim(runId, "writer", "writer|in-1", messages(1, 2), bound));
    await(memory.appendOnceAndTrim(runId, "writer", "writer|in-2", messages(3, 4), bound));
    List<Message> kept = await(memory.appendOnceAndTrim(runId, "writer", "writer|in-1", messages(1, 2), bound));
    assertThat(kept).extracting(Message::content).containsExactly("m3", "m4");
  }

  private static List<Message> messages(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> new Message(i % 2 == 0 ? "assistant" : "user", "m" + i)).toList();
  }
}
