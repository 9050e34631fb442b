package io.agentmesh.core.graph;

import java.util.Objects;
import java.util.Optional;

/**
 * One problem found while loading a graph or deployment spec.
 *
 * @param file the file (or {@code <builder>} for the Java builder)
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param node the node the problem is about, when there is one
 * @param message what is wrong
 */
public record ValidationError(String file, int line, int column, Optional<String> node, String message) {

  public ValidationError {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(message, "message");
  }

  static ValidationError of(String file, String message) {
    return new ValidationError(file, 0, 0, Optional.empty(), message);
  }

  /** {@code file:line:column: node 'x': message}, leaving out what is unknown. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(file);
    if (line > 0) {
      out.append(':').append(line).append(':').append(column);
    }
    out.append(": ");
    node.ifPresent(n -> out.append("node '").append(n).append("': "));
    return out.append(message).toString();
  }
}
