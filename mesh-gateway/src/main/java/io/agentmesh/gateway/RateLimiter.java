package io.agentmesh.gateway;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/** One token bucket per caller name; idle callers' buckets are dropped so the map stays small. */
final class RateLimiter {

  private static final int SWEEP_ABOVE = 10_000;

  private final double ratePerSecond;
  private final int burst;
  private final LongSupplier nanoTime;
  private final ConcurrentMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  RateLimiter(double ratePerSecond, int burst, LongSupplier nanoTime) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** 0 when the caller may go on, else the nanoseconds until it may. */
  long tryAcquire(String caller) {
    if (ratePerSecond == 0) {
      return 0;
    }
    long now = nanoTime.getAsLong();
    if (buckets.size() > SWEEP_ABOVE) {
      buckets.values().removeIf(bucket -> bucket.isFull(now));
    }
    return buckets.computeIfAbsent(caller, c -> new TokenBucket(ratePerSecond, burst, now)).tryTake(now);
  }
}
