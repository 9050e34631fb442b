package io.agentmesh.agents.state;

import static io.agentmesh.agents.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
