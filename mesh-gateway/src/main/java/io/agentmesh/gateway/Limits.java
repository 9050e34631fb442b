package io.agentmesh.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * What one gateway instance accepts before it says no.
 *
 * @param maxBodyBytes largest request body; bigger ones get 413
 * @param ratePerSecond requests per second per caller (API key, JWT subject), across every instance
 *     on the same Redis; 0 turns the limit off
 * @param burst requests a caller may make at once before the rate applies
 * @param maxSyncWaits sync calls waiting for a result at once; more get 503
 * @param maxSseStreams open event streams; more get 503
 * @param maxWait longest {@code wait} a sync call may ask for
 * @param maxJsonDepth deepest nesting of a JSON body
 * @param idempotencyTtl how long an {@code Idempotency-Key} is remembered
 */
public record Limits(
    long maxBodyBytes,
    double ratePerSecond,
    int burst,
    int maxSyncWaits,
    int maxSseStreams,
    Duration maxWait,
    int maxJsonDepth,
    Duration idempotencyTtl) {

  public Limits {
    positive("maxBodyBytes", maxBodyBytes);
    if (ratePerSecond < 0 || Double.isNaN(ratePerSecond) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be 0 (off) or positive, got " + ratePerSecond);
    }
    positive("burst", burst);
    positive("maxSyncWaits", maxSyncWaits);
    positive("maxSseStreams", maxSseStreams);
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("maxWait must be positive, got " + maxWait);
    }
    positive("maxJsonDepth", maxJsonDepth);
    Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
    if (idempotencyTtl.toMillis() < 1) {
      throw new IllegalArgumentException("idempotencyTtl must be at least 1 ms, got " + idempotencyTtl);
    }
  }

  /** 1 MiB bodies, 50 requests/s (burst 100) per caller, 1,000 sync waits, 1,000 streams, 5 min waits, depth 64, keys kept 24 h. */
  public static Limits defaults() {
    return new Limits(1024 * 1024, 50, 100, 1_000, 1_000, Duration.ofMinutes(5), 64, Duration.ofHours(24));
  }

  public Limits withMaxBodyBytes(long bytes) {
    return new Limits(bytes, ratePerSecond, burst, maxSyncWaits, maxSseStreams, maxWait, maxJsonDepth, idempotencyTtl);
  }

  /** Per-caller rate; {@code perSecond} 0 turns it off. */
  public Limits withRateLimit(double perSecond, int newBurst) {
    return new Limits(maxBodyBytes, perSecond, newBurst, maxSyncWaits, maxSseStreams, maxWait, maxJsonDepth, idempotencyTtl);
  }

  public Limits withMaxSyncWaits(int waits) {
    return new Limits(maxBodyBytes, ratePerSecond, burst, waits, maxSseStreams, maxWait, maxJsonDepth, idempotencyTtl);
  }

  public Limits withMaxSseStreams(int streams) {
    return new Limits(maxBodyBytes, ratePerSecond, burst, maxSyncWaits, streams, maxWait, maxJsonDepth, idempotencyTtl);
  }

  public Limits withMaxWait(Duration wait) {
    return new Limits(maxBodyBytes, ratePerSecond, burst, maxSyncWaits, maxSseStreams, wait, maxJsonDepth, idempotencyTtl);
  }

  public Limits withMaxJsonDepth(int depth) {
    return new Limits(maxBodyBytes, ratePerSecond, burst, maxSyncWaits, maxSseStreams, maxWait, depth, idempotencyTtl);
  }

  public Limits withIdempotencyTtl(Duration ttl) {
    return new Limits(maxBodyBytes, ratePerSecond, burst, maxSyncWaits, maxSseStreams, maxWait, maxJsonDepth, ttl);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
