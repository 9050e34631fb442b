package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyLayoutIT {

  @Test
  void everyKeyOfARunSharesTheHashTagAndHasATtl(SharedInfra infra) {
    String runId = infra.uniqueName("run");
    Duration ttl = Duration.ofHours(2);
    StateConfig config = StateConfig.defaults().withTtl(ttl);
    try (MeshRedis redis = MeshRedis.connect(infra.redisUri(), config, java.time.Clock.systemUTC());
        RedisProbe probe = new RedisProbe(infra.redisUri())) {
      byte[] out = "out".getBytes(StandardCharsets.UTF_8);
      await(redis.runRecords().create(runId, "g", "1"));
      await(redis.hopSteps().beforeNode(runId, "writer", "in-1", Optional.empty()));
      await(redis.checkpoints().claim(runId, "writer", "in-1", "me", Duration.ofMinutes(1)));
      await(redis.checkpoints().save(new Checkpoint(runId, "writer", "in-1", out, "text/plain", 1, 1, 1, 1,
          Instant.now(), Optional.empty())));
      await(redis.toolEffects().save(new ToolEffect(runId, "writer", "in-1", "call-1", out, false, Instant.now())));
      await(redis.runState().update(runId, state -> Map.of("k", "v"), 3));
      await(redis.memory().append(runId, "writer", List.of(new Message("user", "hi"))));
      await(redis.claimCheck().put(runId, new byte[300_000]));
      await(redis.runRecords().addTokens(runId, 2));
      await(redis.hopSteps().beforeNode(runId, "reviewer", "in-2", Optional.empty()));
      await(redis.hopSteps().afterNode(new Checkpoint(runId, "reviewer", "in-2", out, "text/plain", 1, 1, 5, 1,
          Instant.now(), Optional.empty()), true));
      await(redis.runRecords().requestCancel(runId));
      await(redis.runRecords().succeed(runId, "ref"));

      List<String> keys = probe.keys(redis.keys().runPattern(runId));
      assertThat(keys).hasSize(8); // two checkpoints
      assertThat(keys.stream().map(key -> key.split(":")[2]).distinct())
          .containsExactlyInAnyOrder("run", "state", "ckpt", "claim", "tool", "mem", "blob");
      int slot = SlotHash.getSlot(redis.keys().run(runId));
      for (String key : keys) {
        assertThat(key).startsWith("mesh:{" + runId + "}:");
        assertThat(SlotHash.getSlot(key)).as("slot of %s", key).isEqualTo(slot);
        long pttl = probe.sync().pttl(key);
        assertThat(pttl).as("PTTL of %s", key).isPositive();
        if (!key.contains(":claim:")) {
          assertThat(pttl).as("PTTL of %s", key).isGreaterThan(ttl.minusMinutes(1).toMillis())
              .isLessThanOrEqualTo(ttl.toMillis());
        }
      }
    }
  }
}
