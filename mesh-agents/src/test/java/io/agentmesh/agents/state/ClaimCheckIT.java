package io.agentmesh.agents.state;

import static io.agentmesh.agents.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClaimCheckIT {

  private final SharedInfra infra;
  private final MeshRedis redis;
  private final ClaimCheck claims;
  private final String runId;

  ClaimCheckIT(SharedInfra infra) {
    this.infra = infra;
    this.redis = MeshRedis.connect(infra.redisUri());
    this.claims = redis.claimCheck();
    this.runId = infra.uniqueName("run");
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void aFiveMegabytePayloadMakesTheRoundTrip() {
    byte[] payload = payload(5 * 1024 * 1024);
    ClaimCheck.Reference ref = await(claims.put(runId, payload));
    assertThat(ref.size()).isEqualTo(payload.length);
    assertThat(ref.key()).contains("{" + runId + "}").contains(ref.sha256());
    assertThat(await(claims.get(ref))).isEqualTo(payload);
  }

  @Test
  void aCorruptedValueIsDetectedAndNamesTheKey() {
    byte[] payload = payload(300_000);
    ClaimCheck.Reference ref = await(claims.put(runId, payload));
    byte[] flipped = Arrays.copyOf(payload, payload.length);
    flipped[123_456] ^= 1;
    try (RedisProbe probe = new RedisProbe(infra.redisUri())) {
      probe.sync().set(ref.key(), flipped);
      assertThat(failure(ref).reason()).isEqualTo(ClaimCheckException.Reason.DIGEST_MISMATCH);

      probe.sync().set(ref.key(), Arrays.copyOf(payload, 1000));
      assertThat(failure(ref).reason()).isEqualTo(ClaimCheckException.Reason.SIZE_MISMATCH);

      probe.sync().del(ref.key());
      ClaimCheckException missing = failure(ref);
      assertThat(missing.reason()).isEqualTo(ClaimCheckException.Reason.MISSING);
      assertThat(missing).hasMessageContaining(ref.key());
      assertThat(missing.key()).isEqualTo(ref.key());
    }
  }

  @Test
  void offloadsFromTheConfiguredThreshold() {
    assertThat(claims.shouldOffload(256 * 1024 - 1)).isFalse();
    assertThat(claims.shouldOffload(256 * 1024)).isTrue();
  }

  private ClaimCheckException failure(ClaimCheck.Reference ref) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> claims.get(ref).toCompletableFuture().join());
    assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(ClaimCheckException.class);
    return (ClaimCheckException) thrown.getCause();
  }

  private static byte[] payload(int size) {
    byte[] bytes = new byte[size];
    new Random(42).nextBytes(bytes);
    return bytes;
  }
}
