package io.agentmesh.agents.state;

/** A failure of the Redis state stores, other than Redis being unreachable. */
public class StateException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A failure with a message that says what went wrong and where. */
  public StateException(String message) {
    super(message);
  }

  /** A failure with its cause. */
  public StateException(String message, Throwable cause) {
    super(message, cause);
  }
}
