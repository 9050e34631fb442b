package io.agentmesh.core.graph;

/** A node's state update does not fit the reducer declared for its key (e.g. {@code sum} of a string). */
public final class StateMergeException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String node;
  private final String key;
  private final StateReducer reducer;

  StateMergeException(String node, String key, StateReducer reducer, String message, Throwable cause) {
    super(message, cause);
    this.node = node;
    this.key = key;
    this.reducer = reducer;
  }

  /** The node whose update failed. */
  public String node() {
    return node;
  }

  /** The state key. */
  public String key() {
    return key;
  }

  /** The reducer of that key. */
  public StateReducer reducer() {
    return reducer;
  }
}
