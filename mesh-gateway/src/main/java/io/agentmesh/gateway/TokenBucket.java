package io.agentmesh.gateway;

/**
 * An in-process token bucket: holds up to {@code burst} tokens, refilled at {@code ratePerSecond};
 * a request takes one. Used only while Redis does not answer rate checks ({@link RateLimiter}).
 * Time is passed in (nanoseconds, monotonic) so tests need no clock.
 */
final class TokenBucket {

  private final double ratePerNano;
  private final double capacity;
  private double tokens;
  private long last;

  TokenBucket(double ratePerSecond, int burst, long nowNanos) {
    if (ratePerSecond <= 0 || burst <= 0) {
      throw new IllegalArgumentException("rate and burst must be positive, got " + ratePerSecond + " and " + burst);
    }
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = burst;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** Takes a token: 0 when one was free, else the nanoseconds until one will be (nothing taken). */
  synchronized long tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / ratePerNano);
  }

  /** Whether the bucket is full at {@code nowNanos} (an idle caller: its bucket may be dropped). */
  synchronized boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
      last = nowNanos;
    }
  }
}
