package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.state.RateBuckets.Take;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AtomicLong now = new AtomicLong();
  private final List<String> asked = new ArrayList<>();

  @Test
  void theSharedBucketDecidesWhileRedisAnswers() {
    RateLimiter limiter = limiter(Limits.defaults().withRateLimit(1, 1), (caller, rate, burst) -> {
      asked.add(caller + " " + rate + "/" + burst);
      return CompletableFuture.completedFuture(new Take(false, 2_500_000));
    });
    Take take = take(limiter, "key:a");
    assertThat(take).as("Redis's answer, not the (full) local bucket's").isEqualTo(new Take(false, 2_500_000));
    assertThat(take.retryAfterSeconds()).isEqualTo(3);
    assertThat(asked).containsExactly("key:a 1.0/1");
    assertThat(fallbacks("error") + fallbacks("timeout")).isZero();
  }

  @Test
  void whenRedisFailsTheInstanceLimitsCallersWithItsOwnBucket() {
    RateLimiter limiter = limiter(Limits.defaults().withRateLimit(1, 2),
        (caller, rate, burst) -> CompletableFuture.failedFuture(new IllegalStateException("connection refused")));
    assertThat(take(limiter, "key:a").allowed()).isTrue();
    assertThat(take(limiter, "key:a").allowed()).isTrue();
    assertThat(take(limiter, "key:a")).as("the local burst is spent").isEqualTo(new Take(false, 1_000_000));
    assertThat(take(limiter, "key:b").allowed()).as("another caller has its own local bucket").isTrue();
    now.addAndGet(SECOND);
    assertThat(take(limiter, "key:a").allowed()).isTrue();
    assertThat(fallbacks("error")).isEqualTo(5);
  }

  @Test
  void aCheckThatThrowsAtOnceIsAFallbackToo() {
    RateLimiter limiter = limiter(Limits.defaults().withRateLimit(1, 1), (caller, rate, burst) -> {
      throw new IllegalStateException("closed");
    });
    assertThat(take(limiter, "key:a").allowed()).isTrue();
    assertThat(take(limiter, "key:a").allowed()).isFalse();
    assertThat(fallbacks("error")).isEqualTo(2);
  }

  @Test
  void aLateRedisIsATimeoutAndTheLocalBucketDecides() {
    RateLimiter limiter = limiter(Limits.defaults().withRateLimit(1, 1), (caller, rate, burst) -> new CompletableFuture<>());
    assertThat(take(limiter, "key:a").allowed()).isTrue();
    assertThat(take(limiter, "key:a").allowed()).isFalse();
    assertThat(fallbacks("timeout")).isEqualTo(2);
  }

  @Test
  void aRateOfZeroAsksNobody() {
    RateLimiter limiter = limiter(Limits.defaults().withRateLimit(0, 1), (caller, rate, burst) -> {
      throw new AssertionError("asked Redis with the limit off");
    });
    for (int i = 0; i < 1_000; i++) {
      assertThat(take(limiter, "key:a").allowed()).isTrue();
    }
  }

  private RateLimiter limiter(Limits limits, RateLimiter.SharedBuckets shared) {
    return new RateLimiter(limits, shared, Duration.ofMillis(50), now::get, metrics);
  }

  private static Take take(RateLimiter limiter, String caller) {
    CompletionStage<Take> stage = limiter.acquire(caller);
    try {
      return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the rate check did not complete: " + e, e);
    }
  }

  private double fallbacks(String cause) {
    var counter = metrics.registry().find("mesh.gateway.rate.limit.fallbacks").tag("cause", cause).counter();
    return counter == null ? 0 : counter.count();
  }
}
