package io.agentmesh.agents.state;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a run failed.
 *
 * @param code a stable, machine-readable code, for example {@code MAX_HOPS}
 * @param message what happened, for people
 * @param node the node where it happened, when one did
 */
public record RunError(String code, String message, Optional<String> node) {

  public RunError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(node, "node");
    if (code.isBlank()) {
      throw new IllegalArgumentException("error code must not be blank");
    }
  }

  /** An error at a node. */
  public static RunError at(String node, String code, String message) {
    return new RunError(code, message, Optional.of(node));
  }

  /** An error of the run as a whole. */
  public static RunError of(String code, String message) {
    return new RunError(code, message, Optional.empty());
  }
}
