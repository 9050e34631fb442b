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

    Checkpoint saved = checkpoint("in-1", "draft");
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
  void afterANodeKeepsTheFirstOutputChargesTokensAndReadsTheRun() {
    await(redis.runRecords().create(runId, "g", "1"));

    HopSteps.Recorded recorded = await(steps.afterNode(checkpoint("in-1", "first"), 40, true));
    assertThat(recorded.tokens()).isEqualTo(40);
    assertThat(recorded.run().orElseThrow().tokens()).isEqualTo(40);
    assertThat(recorded.run().orElseThrow().graph()).isEqualTo("g");

    HopSteps.Recorded second = await(steps.afterNode(checkpoint("in-1", "second"), 2, false));
    assertThat(second.tokens()).isEqualTo(42);
    assertThat(second.run()).isEmpty();
    assertThat(await(redis.checkpoints().find(runId, "writer", "in-1")).orElseThrow().output())
        .asString(StandardCharsets.UTF_8).isEqualTo("first");

    HopSteps.Recorded none = await(steps.afterNode(checkpoint("in-2", "free"), 0, true));
    assertThat(none.tokens()).as("no charge, no total").isZero();
    assertThat(none.run().orElseThrow().tokens()).isEqualTo(42);
    assertThat(await(redis.checkpoints().find(runId, "writer", "in-2"))).isPresent();
  }

  private Checkpoint checkpoint(String inputId, String output) {
    return new Checkpoint(runId, "writer", inputId, output.getBytes(StandardCharsets.UTF_8), "text/plain",
        120, 35, 870, Instant.now().truncatedTo(ChronoUnit.MILLIS), Optional.of("{}".getBytes(StandardCharsets.UTF_8)));
  }
}
