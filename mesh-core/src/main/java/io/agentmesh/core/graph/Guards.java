package io.agentmesh.core.graph;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Per-run limits; breaking one fails the run with a clear reason.
 *
 * @param maxHops most hops a run may make; when declared it also bounds every loop of the graph
 * @param tokenBudget most tokens (prompt + completion) a run may use
 * @param deadline longest a run may take from acceptance
 */
public record Guards(OptionalInt maxHops, OptionalLong tokenBudget, Optional<Duration> deadline) {

  /** Hop limit applied when a graph declares none. */
  public static final int DEFAULT_MAX_HOPS = 100;
  /** No declared guards. */
  public static final Guards NONE = new Guards(OptionalInt.empty(), OptionalLong.empty(), Optional.empty());

  public Guards {
    Objects.requireNonNull(maxHops, "maxHops");
    Objects.requireNonNull(tokenBudget, "tokenBudget");
    Objects.requireNonNull(deadline, "deadline");
  }

  /** The hop limit the runtime enforces: the declared one, else {@link #DEFAULT_MAX_HOPS}. */
  public int effectiveMaxHops() {
    return maxHops.orElse(DEFAULT_MAX_HOPS);
  }
}
