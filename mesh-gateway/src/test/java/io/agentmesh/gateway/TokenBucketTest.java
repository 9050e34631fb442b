package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

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

  @Test
  void limiterKeepsOneBucketPerCallerAndCanBeOff() {
    AtomicLong now = new AtomicLong();
    RateLimiter limiter = new RateLimiter(1, 1, now::get);
    assertThat(limiter.tryAcquire("a")).isZero();
    assertThat(limiter.tryAcquire("b")).as("another caller has its own bucket").isZero();
    assertThat(limiter.tryAcquire("a")).isEqualTo(SECOND);
    now.addAndGet(SECOND);
    assertThat(limiter.tryAcquire("a")).isZero();

    RateLimiter off = new RateLimiter(0, 1, now::get);
    for (int i = 0; i < 1_000; i++) {
      assertThat(off.tryAcquire("a")).isZero();
    }
  }
}
