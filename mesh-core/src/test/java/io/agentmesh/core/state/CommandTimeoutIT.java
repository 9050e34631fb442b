package io.agentmesh.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A command Redis does not answer fails after the Redis URI's timeout, asynchronous ones too:
 * callers of {@link MeshRedis} wait for its futures without a timer of their own.
 */
@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandTimeoutIT {

  private final SharedInfra infra;

  CommandTimeoutIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void anUnansweredCommandFailsAfterTheUrisTimeout() throws Exception {
    String uri = infra.redisUri() + (infra.redisUri().contains("?") ? "&" : "?") + "timeout=300ms";
    RedisClient pauser = RedisClient.create(infra.redisUri());
    try (MeshRedis redis = MeshRedis.connect(uri);
         StatefulRedisConnection<String, String> control = pauser.connect()) {
      control.sync().clientPause(2_000); // every client's commands wait 2 s
      long began = System.nanoTime();
      CompletableFuture<?> read = redis.runRecords().get(infra.uniqueName("run")).toCompletableFuture();

      assertThatThrownBy(read::get).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RedisCommandTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - began)).as("failed before Redis answered")
          .isLessThan(Duration.ofMillis(1_500));
      control.sync().ping(); // answered when the pause ends
      assertThat(redis.runRecords().get(infra.uniqueName("run")).toCompletableFuture().get(10, TimeUnit.SECONDS))
          .as("answered again once Redis resumed").isEmpty();
    } finally {
      pauser.shutdown();
    }
  }
}
