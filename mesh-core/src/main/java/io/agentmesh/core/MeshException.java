package io.agentmesh.core;

/**
 * Root of every exception the mesh throws on purpose.
 *
 * <p>Subclasses say what went wrong by their type; {@link #retriable()} says whether trying the
 * same thing again may succeed (a timeout) or never will (an invalid graph, undecodable input).
 */
public class MeshException extends RuntimeException {

  private final boolean retriable;

  /** An exception with the given message; {@code retriable} says whether a retry may succeed. */
  public MeshException(String message, boolean retriable) {
    super(message);
    this.retriable = retriable;
  }

  /** An exception with the given message and cause; {@code retriable} says whether a retry may succeed. */
  public MeshException(String message, Throwable cause, boolean retriable) {
    super(message, cause);
    this.retriable = retriable;
  }

  /** Whether trying the same operation again may succeed. */
  public boolean retriable() {
    return retriable;
  }
}
