package io.agentmesh.agents.model;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently to retry a retriable model failure: exponential backoff with full
 * jitter (AWS's "full jitter": a uniform delay in {@code [0, min(maxDelay, initialDelay * multiplier^(n-1))]}
 * before retry {@code n}), stretched to the server's Retry-After when that is longer.
 *
 * @param maxAttempts   calls in total, the first included (1 = no retry)
 * @param initialDelay  backoff ceiling before the first retry
 * @param multiplier    growth of the ceiling per retry, >= 1
 * @param maxDelay      the ceiling's cap
 * @param maxRetryAfter the longest Retry-After we wait inside one call; a longer one ends the retries
 *                      (the fallback, or the caller's own redelivery, then takes over)
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay,
                          Duration maxRetryAfter) {

    /** 4 attempts; ceilings 250 ms, 500 ms, 1 s (capped at 10 s); Retry-After honoured up to 60 s. */
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(4, Duration.ofMillis(250), 2.0, Duration.ofSeconds(10), Duration.ofSeconds(60));

    /** A single attempt. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (initialDelay.isNegative() || maxDelay.isNegative() || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("delays must be >= 0: initialDelay=" + initialDelay
                    + " maxDelay=" + maxDelay + " maxRetryAfter=" + maxRetryAfter);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " is below initialDelay " + initialDelay);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
        }
    }

    /** This policy with another attempt count. */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialDelay, multiplier, maxDelay, maxRetryAfter);
    }

    /** The largest delay before retry {@code retry} (1-based): {@code min(maxDelay, initialDelay * multiplier^(retry-1))}. */
    public Duration ceiling(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be >= 1, was " + retry);
        }
        double nanos = initialDelay.toNanos() * Math.pow(multiplier, retry - 1);
        long cap = maxDelay.toNanos();
        return Duration.ofNanos(nanos >= cap ? cap : (long) nanos);
    }

    /** The delay before retry {@code retry}: uniform in [0, ceiling], then at least {@code retryAfter} when given. */
    Duration delay(int retry, Duration retryAfter, RandomGenerator random) {
        long ceiling = ceiling(retry).toNanos();
        Duration jittered = Duration.ofNanos(ceiling == 0 ? 0 : random.nextLong(ceiling + 1));
        return retryAfter != null && retryAfter.compareTo(jittered) > 0 ? retryAfter : jittered;
    }
}
