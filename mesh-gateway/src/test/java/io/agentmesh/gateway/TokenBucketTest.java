package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-process bucket that limits callers while Redis does not answer (see {@link RateLimiterTest}). */
class TokenBucketTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void allowsTheBurstThenOneRequestPerRefill() {
    TokenBucket bucket = new TokenBucket(2, 3, 0);
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).as("empty: wait half a second at 2/s").isEqualTo(SECOND / 2);
    assertThat(bucket.tryTake(SECOND / 2)).isZero();
    assertThat(bucket.tryTake(SECOND / 2)).isPositive();
  }

  @Test
  void neverHoldsMoreThanTheBurst() {
    TokenBucket bucket = new TokenBucket(10, 2, 0);
    long later = 3_600 * SECOND;
    assertThat(bucket.isFull(later)).isTrue();
    assertThat(bucket.tryTake(later)).isZero();
    assertThat(bucket.tryTake(later)).isZero();
    assertThat(bucket.tryTake(later)).isEqualTo(SECOND / 10);
  }

  @Test
  void timeGoingBackwardsAddsNothing() {
    TokenBucket bucket = new TokenBucket(1, 1, 10 * SECOND);
    assertThat(bucket.tryTake(10 * SECOND)).isZero();
    assertThat(bucket.tryTake(5 * SECOND)).isPositive();
  }
}
