package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.core.graph.StateMergeException;
import io.agentmesh.core.graph.StateReducer;
import io.agentmesh.core.graph.StateSchema;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunStateIT {

  private final MeshRedis redis;
  private final RunState state;
  private final String runId;

  RunStateIT(SharedInfra infra) {
    this.redis = MeshRedis.connect(infra.redisUri());
    this.state = redis.runState();
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void compareAndSetRefusesAStaleVersion() {
    Versioned<Map<String, Object>> empty = await(state.get(runId));
    assertThat(empty.version()).isZero();
    assertThat(empty.value()).isEmpty();

    assertThat(await(state.compareAndSet(runId, 0, Map.of("plan", "a")))).isTrue();
    assertThat(await(state.compareAndSet(runId, 0, Map.of("plan", "b")))).isFalse();

    Versioned<Map<String, Object>> now = await(state.get(runId));
    assertThat(now.version()).isEqualTo(1);
    assertThat(now.value()).containsEntry("plan", "a");
  }

  @Test
  void twoParallelUpdatersLoseNoUpdate() {
    int perUpdater = 200;
    AtomicInteger conflicts = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Void>> updaters = List.of("left", "right").stream()
          .map(branch -> CompletableFuture.runAsync(() -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            for (int i = 0; i < perUpdater; i++) {
              await(state.update(runId, current -> {
                Map<String, Object> next = new HashMap<>(current);
                next.merge("total", 1, (a, b) -> ((Number) a).intValue() + 1);
                next.merge(branch, 1, (a, b) -> ((Number) a).intValue() + 1);
                return next;
              }, 10_000));
            }
          }, threads))
          .toList();
      start.countDown();
      CompletableFuture.allOf(updaters.toArray(CompletableFuture[]::new)).join();
    }
    Versioned<Map<String, Object>> end = await(state.get(runId));
    assertThat(end.value()).containsEntry("total", 2 * perUpdater)
        .containsEntry("left", perUpdater).containsEntry("right", perUpdater);
    assertThat(end.version()).isEqualTo(2L * perUpdater);
  }

  @Test
  void aFailingChangeLeavesTheStateAsItWas() {
    await(state.compareAndSet(runId, 0, Map.of("n", 1)));
    assertThatThrownBy(() -> state.update(runId, current -> {
          throw new IllegalStateException("agent bug");
        }, 3).toCompletableFuture().join())
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("agent bug");
    assertThat(await(state.get(runId))).isEqualTo(new Versioned<>(1, Map.of("n", 1)));
  }

  @Test
  void anUpdateThatKeepsLosingFailsWithATypedConflict() {
    await(state.compareAndSet(runId, 0, Map.of("n", 0)));
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> state.update(runId, current -> {
          // a rival write lands between every read and set
          long version = await(state.get(runId)).version();
          await(state.compareAndSet(runId, version, Map.of("n", calls.incrementAndGet())));
          return Map.of("n", -1);
        }, 2).toCompletableFuture().join())
        .hasCauseInstanceOf(StateConflictException.class);
    assertThat(calls).hasValue(3);
  }

  @Test
  void anUpdateWithAnIdIsAppliedOnceHoweverOftenItComes() {
    StateSchema schema = StateSchema.of(Map.of("votes", StateReducer.SUM, "findings", StateReducer.APPEND));
    java.util.function.Function<Map<String, Object>, Map<String, Object>> vote =
        current -> schema.merged(current, Map.of("votes", 1, "findings", "left"), "left");
    assertThat(await(state.applied(runId, "left|in-1"))).isFalse();

    Versioned<Map<String, Object>> first = await(state.updateOnce(runId, "left|in-1", vote, 3));
    AtomicInteger calls = new AtomicInteger();
    Versioned<Map<String, Object>> again = await(state.updateOnce(runId, "left|in-1", current -> {
      calls.incrementAndGet();
      return vote.apply(current);
    }, 3));
    await(state.updateOnce(runId, "left|in-2", vote, 3));

    assertThat(first).isEqualTo(new Versioned<>(1, Map.of("votes", 1L, "findings", List.of("left"))));
    assertThat(again).as("the stored state, unchanged (as read back from JSON)")
        .isEqualTo(new Versioned<>(1, Map.of("votes", 1, "findings", List.of("left"))));
    assertThat(calls).as("a recorded update is not computed again").hasValue(0);
    assertThat(await(state.applied(runId, "left|in-1"))).isTrue();
    assertThat(await(state.get(runId))).isEqualTo(new Versioned<>(2, Map.of("votes", 2, "findings", List.of("left", "left"))));
  }

  @Test
  void twinsOfOneUpdateRacingEachOtherApplyItOnceAndParallelUpdatesAllCount() {
    StateSchema schema = StateSchema.of(Map.of("votes", StateReducer.SUM, "findings", StateReducer.APPEND));
    int branches = 16;
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Void>> writers = new java.util.ArrayList<>();
      for (int b = 0; b < branches; b++) {
        String branch = "b" + b;
        for (int twin = 0; twin < 2; twin++) { // the same input handled twice (a redelivery, a rebalance)
          writers.add(CompletableFuture.runAsync(() -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            await(state.updateOnce(runId, branch + "|in",
                current -> schema.merged(current, Map.of("votes", 1, "findings", branch), branch), 10_000));
          }, threads));
        }
      }
      start.countDown();
      CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
    }
    Versioned<Map<String, Object>> end = await(state.get(runId));
    assertThat(end.value()).containsEntry("votes", branches);
    assertThat((List<?>) end.value().get("findings")).hasSize(branches).doesNotHaveDuplicates();
    assertThat(end.version()).isEqualTo(branches);
  }

  @Test
  void aReducerTypeErrorFailsTheUpdateAndLeavesTheStateAsItWas() {
    StateSchema schema = StateSchema.of(Map.of("votes", StateReducer.SUM));
    await(state.compareAndSet(runId, 0, Map.of("votes", 2)));
    assertThatThrownBy(() -> state.updateOnce(runId, "n|in",
            current -> schema.merged(current, Map.of("votes", "many"), "n"), 3).toCompletableFuture().join())
        .hasCauseInstanceOf(StateMergeException.class)
        .hasMessageContaining("node 'n': state key 'votes'");
    assertThat(await(state.get(runId))).isEqualTo(new Versioned<>(1, Map.of("votes", 2)));
    assertThat(await(state.applied(runId, "n|in"))).as("a failed update is not recorded").isFalse();
  }
}
