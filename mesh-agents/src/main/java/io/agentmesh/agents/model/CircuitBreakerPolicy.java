package io.agentmesh.agents.model;

import java.time.Duration;
import java.util.Objects;

/**
 * When an endpoint's breaker opens and how it recovers. Count-based: over the last
 * {@code windowSize} calls (once at least {@code minimumCalls} were made), a failure rate at or above
 * {@code failureRatePercent} opens it; after {@code waitInOpen} the next call finds it half-open and
 * {@code halfOpenCalls} trial calls decide between closed and open again.
 *
 * <p>Only failures that say the endpoint is unwell count: timeouts, 429, 5xx, broken connections,
 * unreadable bodies. A 4xx or an answer that fails the output schema does not.
 */
public record CircuitBreakerPolicy(int windowSize, int minimumCalls, float failureRatePercent,
                                   Duration waitInOpen, int halfOpenCalls) {

    /** Window 20, at least 10 calls, opens at 50 % failures, waits 30 s, 3 trial calls. */
    public static final CircuitBreakerPolicy DEFAULT = new CircuitBreakerPolicy(20, 10, 50f, Duration.ofSeconds(30), 3);

    public CircuitBreakerPolicy {
        if (windowSize < 1) {
            throw new IllegalArgumentException("windowSize must be >= 1, was " + windowSize);
        }
        if (minimumCalls < 1 || minimumCalls > windowSize) {
            throw new IllegalArgumentException("minimumCalls must be in [1, windowSize=" + windowSize + "], was " + minimumCalls);
        }
        if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
            throw new IllegalArgumentException("failureRatePercent must be in (0, 100], was " + failureRatePercent);
        }
        Objects.requireNonNull(waitInOpen, "waitInOpen");
        if (waitInOpen.isNegative() || waitInOpen.isZero()) {
            throw new IllegalArgumentException("waitInOpen must be > 0, was " + waitInOpen);
        }
        if (halfOpenCalls < 1) {
            throw new IllegalArgumentException("halfOpenCalls must be >= 1, was " + halfOpenCalls);
        }
    }
}
