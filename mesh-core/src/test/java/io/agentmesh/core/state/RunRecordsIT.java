package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunRecordsIT {

  private final MeshRedis redis;
  private final RunRecords runs;
  private final String runId;

  RunRecordsIT(SharedInfra infra) {
    this.redis = MeshRedis.connect(infra.redisUri());
    this.runs = redis.runRecords();
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void recordsTheLifeOfARunNodeByNode() {
    assertThat(await(runs.create(runId, "research", "3"))).isTrue();
    assertThat(await(runs.create(runId, "other", "9"))).isFalse();
    assertThat(await(runs.get(runId)).orElseThrow().status()).isEqualTo(RunStatus.PENDING);

    assertThat(await(started("planner"))).isEqualTo(1);
    await(finished("planner", 40, 30, 100, 20));
    assertThat(await(started("writer"))).isEqualTo(1);
    assertThat(await(started("writer"))).isEqualTo(2);
    await(finished("writer", 90, 80_600, 300, 50));
    assertThat(await(runs.addHops(runId, 2))).isEqualTo(2);
    assertThat(await(runs.succeed(runId, "mesh.research.results/0@17"))).isTrue();

    RunRecord run = await(runs.get(runId)).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.graph()).isEqualTo("research");
    assertThat(run.graphVersion()).isEqualTo("3");
    assertThat(run.createdAt()).isPresent();
    assertThat(run.finishedAt()).isPresent();
    assertThat(run.nodes()).containsOnlyKeys("planner", "writer");
    NodeVisit writer = run.nodes().get("writer");
    assertThat(writer.attempts()).isEqualTo(2);
    assertThat(writer.serviceMs()).isEqualTo(90);
    assertThat(writer.modelMicros()).isEqualTo(80_600);
    assertThat(writer.modelMs()).as("rounded").isEqualTo(81);
    assertThat(writer.started()).isPresent();
    assertThat(writer.finished()).isPresent();
    assertThat(run.tokensIn()).isEqualTo(400);
    assertThat(run.tokensOut()).isEqualTo(70);
    assertThat(run.hops()).isEqualTo(2);
    assertThat(run.resultRef()).contains("mesh.research.results/0@17");
    assertThat(run.error()).isEmpty();
  }

  @Test
  void admitsTheTaskThatStartsARunAndItsRedeliveriesButNoSecondTask() {
    RunRecords.Admission first = await(runs.admit(runId, "research", "3", "mesh.research.ingress/0@7",
        Map.of("tenant", "acme", "user", "u:7")));
    assertThat(first.verdict()).isEqualTo(RunRecords.Verdict.NEW);
    assertThat(await(runs.get(runId)).orElseThrow().status()).isEqualTo(RunStatus.PENDING);
    assertThat(await(runs.get(runId)).orElseThrow().metadata()).containsExactly(
        Map.entry("tenant", "acme"), Map.entry("user", "u:7"));

    assertThat(await(runs.admit(runId, "research", "3", "mesh.research.ingress/0@7")).verdict())
        .as("the same task redelivered").isEqualTo(RunRecords.Verdict.SAME);
    RunRecords.Admission second = await(runs.admit(runId, "research", "3", "mesh.research.ingress/1@2"));
    assertThat(second.verdict()).isEqualTo(RunRecords.Verdict.DUPLICATE);
    assertThat(second.admitted()).isFalse();
    assertThat(second.detail()).isEqualTo("mesh.research.ingress/0@7");
    RunRecords.Admission foreign = await(runs.admit(runId, "billing", "1", "mesh.billing.ingress/0@0"));
    assertThat(foreign.verdict()).isEqualTo(RunRecords.Verdict.OTHER_GRAPH);
    assertThat(foreign.detail()).isEqualTo("research");
    assertThat(await(runs.get(runId)).orElseThrow().graph()).as("the run is untouched").isEqualTo("research");
    assertThat(await(runs.admit(runId, "research", "3", "mesh.research.ingress/1@3", Map.of("tenant", "other"))).admitted())
        .isFalse();
    assertThat(await(runs.get(runId)).orElseThrow().metadata()).as("a duplicate's metadata is not kept")
        .containsEntry("tenant", "acme").hasSize(2);
  }

  @Test
  void aRecordWrittenBeforeItsTaskIsClaimedByTheFirstTaskThatArrives() {
    assertThat(await(runs.create(runId, "research", "3"))).isTrue(); // as a gateway does before publishing
    assertThat(await(runs.admit(runId, "research", "3", "t/0@1", Map.of("tenant", "acme"))).verdict())
        .isEqualTo(RunRecords.Verdict.CLAIMED);
    assertThat(await(runs.get(runId)).orElseThrow().metadata()).containsExactly(Map.entry("tenant", "acme"));
    assertThat(await(runs.admit(runId, "research", "3", "t/0@1")).verdict()).isEqualTo(RunRecords.Verdict.SAME);
    assertThat(await(runs.admit(runId, "research", "3", "t/0@2")).verdict()).isEqualTo(RunRecords.Verdict.DUPLICATE);
  }

  @Test
  void recordsWhyARunFailed() {
    await(runs.create(runId, "g", "1"));
    assertThat(await(runs.fail(runId, RunError.at("writer", "MAX_HOPS", "11 hops > 10")))).isTrue();
    RunRecord run = await(runs.get(runId)).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.error()).contains(RunError.at("writer", "MAX_HOPS", "11 hops > 10"));
  }

  @Test
  void aRunCompletesOnceUnderFiftyConcurrentAttempts() throws Exception {
    await(runs.create(runId, "g", "1"));
    await(started("a"));
    int attempts = 50;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < attempts; i++) {
        RunStatus status = i % 3 == 0 ? RunStatus.SUCCEEDED : i % 3 == 1 ? RunStatus.FAILED : RunStatus.CANCELLED;
        String ref = "attempt-" + i;
        results.add(threads.submit(() -> {
          start.await();
          return await(runs.complete(runId, status,
              status == RunStatus.FAILED ? Optional.of(RunError.of("X", ref)) : Optional.empty(), Optional.of(ref)));
        }));
      }
      start.countDown();
    }
    List<Integer> winners = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      if (results.get(i).get()) {
        winners.add(i);
      }
    }
    assertThat(winners).hasSize(1);
    RunRecord run = await(runs.get(runId)).orElseThrow();
    assertThat(run.resultRef()).contains("attempt-" + winners.get(0));
    assertThat(await(runs.succeed(runId, "late"))).isFalse();
  }

  @Test
  void aCancelRequestIsSeenByWorkers() {
    await(runs.create(runId, "g", "1"));
    assertThat(await(runs.isCancelRequested(runId))).isFalse();
    await(runs.requestCancel(runId));
    assertThat(await(runs.isCancelRequested(runId))).isTrue();
    assertThat(await(runs.get(runId)).orElseThrow().cancelRequested()).isTrue();
    assertThat(await(started("writer"))).as("a cancelled run starts no node").isZero();
    assertThat(await(runs.get(runId)).orElseThrow().nodes()).doesNotContainKey("writer");
  }

  @Test
  void tokenBudgetIncrementsAreAtomicUnderConcurrency() {
    await(runs.create(runId, "g", "1"));
    int callers = 16;
    int each = 100;
    List<CompletableFuture<List<Long>>> totals = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < callers; c++) {
        totals.add(CompletableFuture.supplyAsync(() -> {
          List<Long> seen = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            seen.add(await(runs.addTokens(runId, 3)));
          }
          return seen;
        }, threads));
      }
    }
    List<Long> all = totals.stream().flatMap(f -> f.join().stream()).toList();
    assertThat(all).doesNotHaveDuplicates().hasSize(callers * each);
    assertThat(all.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(3L * callers * each);
    assertThat(await(runs.get(runId)).orElseThrow().tokens()).isEqualTo(3L * callers * each);
  }

  @Test
  void aRunWithoutARecordHasNone() {
    assertThat(await(runs.get(runId))).isEmpty();
  }

  /** Records a node's start as a hop does: its attempt count, or 0 when the run was cancelled. */
  private CompletionStage<Long> started(String node) {
    return redis.hopSteps().beforeNode(runId, node, "in-1", Optional.empty()).thenApply(start -> switch (start) {
      case HopSteps.Started started -> started.attempts();
      case HopSteps.Cancelled cancelled -> 0L;
      case HopSteps.NotItsRunsTask refused -> throw new AssertionError("no task origin was given");
    });
  }

  @Test
  void addsTheWholeMillisecondsAnEarlierVersionRecordedToANodesModelTime() {
    await(runs.create(runId, "research", "3"));
    await(finished("writer", 10, 2_500, 0, 0));
    // a worker of an earlier version, during a rolling upgrade, counted whole milliseconds
    await(redis.commands().hincrby(redis.keys().run(runId), "node:writer:modelMs", 3));

    assertThat(await(runs.get(runId)).orElseThrow().nodes().get("writer").modelMicros()).isEqualTo(5_500);
  }

  /** Records a node's finish as a hop does, with its output for input "in-1". */
  private CompletionStage<HopSteps.Recorded> finished(String node, long serviceMs, long modelMicros, long tokensIn, long tokensOut) {
    return redis.hopSteps().afterNode(new Checkpoint(runId, node, "in-1", "out".getBytes(StandardCharsets.UTF_8), "text/plain",
        tokensIn, tokensOut, serviceMs, modelMicros, Instant.now(), Optional.empty()), false);
  }
}
