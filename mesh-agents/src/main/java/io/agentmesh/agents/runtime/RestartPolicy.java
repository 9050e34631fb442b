package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link MeshRuntime} replaces a node replica that a fatal error stopped (docs/decisions.md,
 * D-016): after a backoff that starts at {@code initialBackoff} and doubles (with jitter) up to
 * {@code maxBackoff}, back to the start once a replacement has run for {@code healthyAfter}; and
 * never again once the replica failed {@code maxFailures} times within {@code window} (the circuit
 * opens and the runtime reports itself unhealthy).
 *
 * @param initialBackoff the wait before the first restart
 * @param maxBackoff the longest wait between restarts
 * @param healthyAfter how long a replacement must run before its next failure counts as a first one
 * @param maxFailures failures within {@code window} that open the circuit
 * @param window the span {@code maxFailures} is counted over
 */
public record RestartPolicy(Duration initialBackoff, Duration maxBackoff, Duration healthyAfter, int maxFailures, Duration window) {

  public RestartPolicy {
    positive(initialBackoff, "initialBackoff");
    positive(maxBackoff, "maxBackoff");
    positive(healthyAfter, "healthyAfter");
    positive(window, "window");
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("restart policy: maxBackoff (" + maxBackoff + ") must not be below initialBackoff ("
          + initialBackoff + ")");
    }
    if (maxFailures < 1) {
      throw new IllegalArgumentException("restart policy: maxFailures must be at least 1, got " + maxFailures);
    }
  }

  /** 100 ms doubling to 30 s, reset after 1 minute healthy; the circuit opens at 5 failures in 5 minutes. */
  public static RestartPolicy defaults() {
    return new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofMinutes(1), 5, Duration.ofMinutes(5));
  }

  /** The same policy with another failure budget: {@code maxFailures} within {@code window}. */
  public RestartPolicy withCircuit(int maxFailures, Duration window) {
    return new RestartPolicy(initialBackoff, maxBackoff, healthyAfter, maxFailures, window);
  }

  /**
   * The wait before restarting after the {@code consecutive}-th failure in a row: the doubled
   * backoff, capped, of which the upper half is scaled by {@code jitter} in [0, 1) so that replicas
   * failing together do not come back together.
   */
  Duration backoff(int consecutive, double jitter) {
    long initial = initialBackoff.toNanos();
    long cap = maxBackoff.toNanos();
    int doublings = Math.min(Math.max(consecutive, 1) - 1, 62);
    long base = doublings >= Long.numberOfLeadingZeros(initial) - 1 ? cap : Math.min(cap, initial << doublings);
    return Duration.ofNanos(base / 2 + (long) (base / 2 * Math.min(Math.max(jitter, 0), 1)));
  }

  private static void positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("restart policy: " + name + " must be positive, got " + value);
    }
  }
}
