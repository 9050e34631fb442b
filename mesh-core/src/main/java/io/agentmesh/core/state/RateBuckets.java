package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Token buckets in Redis, one per caller, shared by every process on the same Redis: a limit of
 * {@code rate}/s with bursts of {@code burst} holds for all of them together.
 *
 * <p>Each take is one Lua script (refill, take, expiry), so concurrent takes from any number of
 * processes never over-spend. By default the script reads the Redis server's clock, so processes
 * whose clocks disagree still share one timeline; {@link #take(String, double, int, long)} passes
 * the time in instead (tests, replays). The bucket stores tokens rather than a theoretical arrival
 * time, so processes configured with different rates (a rolling change) read the same state
 * sensibly: the new rate applies from the next refill. A bucket expires when it would be full again.
 */
public final class RateBuckets {

  private static final byte[] SERVER_CLOCK = new byte[0];

  private final MeshRedis redis;

  private RateBuckets(MeshRedis redis) {
    this.redis = redis;
  }

  /** The buckets kept in this Redis. */
  public static RateBuckets on(MeshRedis redis) {
    return new RateBuckets(Objects.requireNonNull(redis, "redis"));
  }

  /** Takes a token from {@code caller}'s bucket by the Redis server's clock. */
  public CompletionStage<Take> take(String caller, double ratePerSecond, int burst) {
    return take(caller, ratePerSecond, burst, SERVER_CLOCK);
  }

  /** Takes a token from {@code caller}'s bucket at {@code nowMicros} (microseconds since the epoch). */
  public CompletionStage<Take> take(String caller, double ratePerSecond, int burst, long nowMicros) {
    if (nowMicros < 0) {
      throw new IllegalArgumentException("nowMicros must not be negative, got " + nowMicros);
    }
    return take(caller, ratePerSecond, burst, bytes(nowMicros));
  }

  private CompletionStage<Take> take(String caller, double ratePerSecond, int burst, byte[] now) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be positive, got " + ratePerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    return redis.<List<Object>>eval(LuaScript.RATE_TAKE, ScriptOutputType.MULTI, redis.keys().rateBucket(caller),
            bytes(Double.toString(ratePerSecond)), bytes(burst), now)
        .thenApply(reply -> new Take(((Long) reply.get(0)) == 1L, (Long) reply.get(1)));
  }

  /**
   * What one take found.
   *
   * @param allowed whether a token was taken
   * @param waitMicros when refused, microseconds until a token will be free; 0 when allowed
   */
  public record Take(boolean allowed, long waitMicros) {

    public Take {
      if (waitMicros < 0 || (allowed && waitMicros != 0)) {
        throw new IllegalArgumentException("a take waits 0 when allowed and never less, got " + allowed + ", " + waitMicros);
      }
    }

    /** The wait until a token will be free. */
    public Duration waitTime() {
      return Duration.ofNanos(Math.multiplyExact(waitMicros, 1_000L));
    }

    /** The wait in whole seconds, rounded up and at least 1 when refused: the value of {@code Retry-After}. */
    public long retryAfterSeconds() {
      return allowed ? 0 : Math.max(1, (waitMicros + 999_999) / 1_000_000);
    }
  }
}
