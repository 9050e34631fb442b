package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The two scripts of a hop have the effects of the store calls they replace. */
@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HopStepsIT {

  private final MeshRedis redis;
  private final HopSteps steps;
  private final String runId;

  HopStepsIT(SharedInfra infra) {
    this.redis = MeshRedis.connect(infra.redisUri());
    this.steps = redis.hopSteps();
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void beforeANodeRecordsItsStartAndReadsItsCheckpointAndTheRunState() {
    await(redis.runRecords().create(runId, "g", "1"));

    HopSteps.Started first = (HopSteps.Started) await(steps.beforeNode(runId, "writer", "in-1", Optional.empty()));
    assertThat(first.attempts()).isEqualTo(1);
    assertThat(first.checkpoint()).isEmpty();
    assertThat(first.state().version()).isZero();
    assertThat(first.state().value()).isEmpty();
    RunRecord run = await(redis.runRecords().get(runId)).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.nodes().get("writer").started()).isPresent();

    Checkpoint saved = checkpoint("in-1", "draft", 12);
    await(redis.checkpoints().save(saved));
    await(redis.runState().update(runId, state -> Map.of("topic", "kafka"), 3));
    HopSteps.Started again = (HopSteps.Started) await(steps.beforeNode(runId, "writer", "in-1", Optional.empty()));
    assertThat(again.attempts()).isEqualTo(2);
    assertThat(again.checkpoint()).contains(saved);
    assertThat(again.state().version()).isEqualTo(1);
    assertThat(again.state().value()).containsEntry("topic", "kafka");
    assertThat(((HopSteps.Started) await(steps.beforeNode(runId, "writer", "in-2", Optional.empty()))).checkpoint())
        .as("the checkpoint of another input").isEmpty();
  }

  @Test
  void aNodeStartLeavesAnEndedRunsStatusAlone() {
    await(redis.runRecords().create(runId, "g", "1"));
    await(redis.runRecords().complete(runId, RunStatus.FAILED, Optional.empty(), Optional.empty()));

    assertThat(await(steps.beforeNode(runId, "writer", "in-1", Optional.empty()))).isInstanceOf(HopSteps.Started.class);
    RunRecord run = await(redis.runRecords().get(runId)).orElseThrow();
    assertThat(run.status()).as("only a PENDING run becomes RUNNING").isEqualTo(RunStatus.FAILED);
    assertThat(run.nodes().get("writer").started()).isPresent();
  }

  @Test
  void aCancelledRunStartsNoNode() {
    await(redis.runRecords().create(runId, "g", "1"));
    await(redis.runRecords().requestCancel(runId));

    assertThat(await(steps.beforeNode(runId, "writer", "in-1", Optional.empty()))).isInstanceOf(HopSteps.Cancelled.class);
    RunRecord run = await(redis.runRecords().get(runId)).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.PENDING);
    assertThat(run.nodes()).doesNotContainKey("writer");
  }

  @Test
  void aTaskThatIsNotItsRunsOwnWritesNothing() {
    assertThat(await(redis.runRecords().admit(runId, "g", "1", "ingress/0@7")).verdict())
        .isEqualTo(RunRecords.Verdict.NEW);

    assertThat(await(steps.beforeNode(runId, "writer", "in-1", Optional.of("ingress/1@3"))))
        .isInstanceOf(HopSteps.NotItsRunsTask.class);
    assertThat(await(redis.runRecords().get(runId)).orElseThrow().nodes()).doesNotContainKey("writer");

    assertThat(await(steps.beforeNode(runId, "writer", "in-1", Optional.of("ingress/0@7"))))
        .isInstanceOf(HopSteps.Started.class);
    assertThat(await(redis.runRecords().get(runId)).orElseThrow().nodes().get("writer").attempts()).isEqualTo(1);
  }

  @Test
  void afterANodeKeepsTheFirstOutputAndCountsItsFinishOnceButChargesEveryCall() {
    await(redis.runRecords().create(runId, "g", "1"));

    HopSteps.Recorded first = await(steps.afterNode(checkpoint("in-1", "first", 40), true));
    assertThat(first.recorded()).isTrue();
    assertThat(first.tokens()).as("the budget counter, 120 in + 35 out").isEqualTo(155);
    RunRecord run = first.run().orElseThrow();
    assertThat(run.graph()).isEqualTo("g");
    assertThat(run.tokens()).isEqualTo(155);
    assertThat(run.tokensIn()).isEqualTo(120);
    assertThat(run.tokensOut()).isEqualTo(35);
    NodeVisit writer = run.nodes().get("writer");
    assertThat(writer.finished()).isPresent();
    assertThat(writer.serviceMs()).isEqualTo(40);
    assertThat(writer.modelMicros()).isEqualTo(870_432);
    assertThat(writer.modelMs()).isEqualTo(870);
    assertThat(writer.tokensIn()).isEqualTo(120);

    // a duplicate that ran the node too: its output is not kept, its finish not counted, its tokens charged
    HopSteps.Recorded twin = await(steps.afterNode(checkpoint("in-1", "second", 50), false));
    assertThat(twin.recorded()).isFalse();
    assertThat(twin.tokens()).isEqualTo(310);
    assertThat(twin.run()).isEmpty();
    Checkpoint kept = await(redis.checkpoints().find(runId, "writer", "in-1")).orElseThrow();
    assertThat(kept.output()).asString(StandardCharsets.UTF_8).isEqualTo("first");
    assertThat(kept.serviceMs()).as("what a redelivery answered from it reports").isEqualTo(40);
    RunRecord after = await(redis.runRecords().get(runId)).orElseThrow();
    assertThat(after.tokensIn()).isEqualTo(120);
    assertThat(after.nodes().get("writer").serviceMs()).isEqualTo(40);

    // another input at the same node (a loop comes back to it): its finish adds to the sums
    HopSteps.Recorded next = await(steps.afterNode(checkpoint("in-3", "third", 25), true));
    assertThat(next.recorded()).isTrue();
    assertThat(next.tokens()).isEqualTo(465);
    RunRecord summed = next.run().orElseThrow();
    assertThat(summed.tokensIn()).isEqualTo(240);
    assertThat(summed.tokensOut()).isEqualTo(70);
    assertThat(summed.nodes().get("writer").serviceMs()).isEqualTo(65);
    assertThat(summed.nodes().get("writer").modelMicros()).isEqualTo(1_740_864);
    assertThat(summed.nodes().get("writer").tokensOut()).isEqualTo(70);

    Checkpoint free = new Checkpoint(runId, "router", "in-2", "x".getBytes(StandardCharsets.UTF_8), "text/plain",
        0, 0, 3, 0, Instant.now().truncatedTo(ChronoUnit.MILLIS), Optional.empty());
    HopSteps.Recorded none = await(steps.afterNode(free, true));
    assertThat(none.recorded()).isTrue();
    assertThat(none.tokens()).as("no charge, no total").isZero();
    assertThat(none.run().orElseThrow().tokens()).isEqualTo(465);
    assertThat(none.run().orElseThrow().nodes().get("router").finished()).isPresent();
    assertThat(await(redis.checkpoints().find(runId, "router", "in-2"))).isPresent();
  }

  private Checkpoint checkpoint(String inputId, String output, long serviceMs) {
    return new Checkpoint(runId, "writer", inputId, output.getBytes(StandardCharsets.UTF_8), "text/plain",
        120, 35, serviceMs, 870_432, Instant.now().truncatedTo(ChronoUnit.MILLIS), Optional.of("{}".getBytes(StandardCharsets.UTF_8)));
  }
}
