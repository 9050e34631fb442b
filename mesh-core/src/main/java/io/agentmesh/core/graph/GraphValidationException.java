package io.agentmesh.core.graph;

import io.agentmesh.core.MeshException;
import java.util.List;

/** A graph or deployment spec that cannot be used, with every problem found (not just the first). */
public final class GraphValidationException extends MeshException {

  private final List<ValidationError> errors;

  GraphValidationException(List<ValidationError> errors) {
    super(format(errors), false);
    this.errors = List.copyOf(errors);
  }

  /** The problems, in file order where the file is known. */
  public List<ValidationError> errors() {
    return errors;
  }

  private static String format(List<ValidationError> errors) {
    StringBuilder out = new StringBuilder()
        .append(errors.size()).append(errors.size() == 1 ? " problem" : " problems").append(':');
    errors.forEach(e -> out.append(System.lineSeparator()).append("  ").append(e));
    return out.toString();
  }
}
