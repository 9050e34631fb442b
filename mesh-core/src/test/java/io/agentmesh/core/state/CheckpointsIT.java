package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointsIT {

  private final SharedInfra infra;
  private final MeshRedis redis;
  private final String runId;

  CheckpointsIT(SharedInfra infra) {
    this.infra = infra;
    this.redis = MeshRedis.connect(infra.redisUri());
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void findsTheCheckpointOfThatExactInputOnly() {
    Checkpoint saved = checkpoint("in-1", "answer").withHops("hops".getBytes(StandardCharsets.UTF_8));
    await(redis.checkpoints().save(saved));

    assertThat(await(redis.checkpoints().find(runId, "writer", "in-1"))).contains(saved);
    assertThat(await(redis.checkpoints().find(runId, "writer", "in-2"))).isEmpty();
    assertThat(await(redis.checkpoints().find(runId, "reviewer", "in-1"))).isEmpty();
  }

  @Test
  void readsTheWholeMillisecondsOfACheckpointAnEarlierVersionWroteAsMicroseconds() {
    String key = redis.keys().checkpoint(runId, "writer", "in-1");
    await(redis.commands().hset(key, Map.of("output", utf8("old"), "contentType", utf8("text/plain"),
        "tokensIn", utf8("1"), "tokensOut", utf8("2"), "modelLatencyMs", utf8("870"), "recordedAt", utf8("1700000000000"))));
    await(redis.commands().pexpire(key, 60_000));

    Checkpoint found = await(redis.checkpoints().find(runId, "writer", "in-1")).orElseThrow();

    assertThat(found.modelMicros()).isEqualTo(870_000);
    assertThat(found.serviceMs()).as("not kept then: the model time, the part of it that is known").isEqualTo(870);
    assertThat(found.tokensOut()).isEqualTo(2);
  }

  @Test
  void keepsTheFirstCheckpointWhenADuplicateSavesAnother() {
    assertThat(await(redis.checkpoints().saveIfAbsent(checkpoint("in-1", "first")))).isTrue();
    assertThat(await(redis.checkpoints().saveIfAbsent(checkpoint("in-1", "second")))).isFalse();

    Checkpoint found = await(redis.checkpoints().find(runId, "writer", "in-1")).orElseThrow();
    assertThat(new String(found.output(), StandardCharsets.UTF_8)).isEqualTo("first");
    assertThat(found.hops()).isEmpty();
  }

  @Test
  void onlyOneOwnerClaimsAnInputAndOnlyThatOwnerReleasesIt() {
    Duration ttl = Duration.ofSeconds(30);
    assertThat(await(redis.checkpoints().claim(runId, "writer", "in-1", "replica-a", ttl))).isTrue();
    assertThat(await(redis.checkpoints().claim(runId, "writer", "in-1", "replica-b", ttl))).isFalse();
    assertThat(await(redis.checkpoints().release(runId, "writer", "in-1", "replica-b"))).isFalse();
    assertThat(await(redis.checkpoints().release(runId, "writer", "in-1", "replica-a"))).isTrue();
    assertThat(await(redis.checkpoints().claim(runId, "writer", "in-1", "replica-b", ttl))).isTrue();
  }

  @Test
  void aClaimExpiresSoACrashedOwnerBlocksNobodyForLong() {
    assertThat(await(redis.checkpoints().claim(runId, "writer", "in-1", "crashed", Duration.ofMillis(50)))).isTrue();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(
        () -> await(redis.checkpoints().claim(runId, "writer", "in-1", "replica-b", Duration.ofSeconds(30))));
  }

  @Test
  void recordsAToolEffectOnceSoARedeliveryDoesNotRepeatIt() {
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    ToolEffect effect = new ToolEffect(runId, "agent", "in-1", "call-1", "42".getBytes(StandardCharsets.UTF_8), false, at);
    ToolEffect retry = new ToolEffect(runId, "agent", "in-1", "call-1", "43".getBytes(StandardCharsets.UTF_8), false, at);

    assertThat(await(redis.toolEffects().find(runId, "agent", "in-1", "call-1"))).isEmpty();
    assertThat(await(redis.toolEffects().save(effect))).isTrue();
    assertThat(await(redis.toolEffects().save(retry))).isFalse();
    assertThat(await(redis.toolEffects().find(runId, "agent", "in-1", "call-1"))).contains(effect);
    assertThat(await(redis.toolEffects().find(runId, "agent", "in-1", "call-2"))).isEmpty();
  }

  @Test
  void runsScriptsAgainAfterRedisForgotThem() {
    try (RedisProbe probe = new RedisProbe(infra.redisUri())) {
      probe.sync().scriptFlush();
    }
    await(redis.checkpoints().save(checkpoint("in-1", "after flush")));
    assertThat(await(redis.checkpoints().find(runId, "writer", "in-1"))).isPresent();
  }

  private Checkpoint checkpoint(String inputId, String output) {
    return new Checkpoint(runId, "writer", inputId, output.getBytes(StandardCharsets.UTF_8), "text/plain",
        120, 35, 2, 870, Instant.now().truncatedTo(ChronoUnit.MILLIS), Optional.empty());
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
