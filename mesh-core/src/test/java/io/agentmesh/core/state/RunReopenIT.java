package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunReopenIT {

  private final SharedInfra infra;

  RunReopenIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void reopensOnlyAFailedRunClearingItsErrorAndKeepingATtl() {
    try (MeshRedis redis = MeshRedis.connect(infra.redisUri()); RedisProbe probe = new RedisProbe(infra.redisUri())) {
      RunRecords runs = redis.runRecords();
      String failed = infra.uniqueName("run");
      String succeeded = infra.uniqueName("run");
      await(runs.create(failed, "g", "1"));
      await(runs.fail(failed, new RunError("RETRIES_EXHAUSTED", "model down", Optional.of("ask"))));
      await(runs.create(succeeded, "g", "1"));
      await(runs.succeed(succeeded, "ref"));

      assertThat(await(runs.reopen(failed))).isTrue();
      assertThat(await(runs.reopen(succeeded))).isFalse();
      assertThat(await(runs.reopen(infra.uniqueName("absent")))).isFalse();

      RunRecord reopened = await(runs.get(failed)).orElseThrow();
      assertThat(reopened.status()).isEqualTo(RunStatus.RUNNING);
      assertThat(reopened.error()).isEmpty();
      assertThat(reopened.finishedAt()).isEmpty();
      assertThat(probe.sync().pttl(redis.keys().run(failed))).isPositive();
      assertThat(await(runs.get(succeeded)).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(await(runs.succeed(failed, "ref"))).as("a reopened run can complete again").isTrue();

      String redriven = infra.uniqueName("run");
      await(runs.admit(redriven, "g", "1", "ingress/0@3"));
      await(runs.fail(redriven, new RunError("RETRIES_EXHAUSTED", "model down", Optional.of("ask"))));
      assertThat(await(runs.reopen(redriven))).isTrue();
      assertThat(await(runs.admit(redriven, "g", "1", "ingress/0@9")).admitted())
          .as("the re-driven task, at a new offset, is the run's task now").isTrue();
    }
  }
}
