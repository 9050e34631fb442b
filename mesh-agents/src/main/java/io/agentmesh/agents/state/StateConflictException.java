package io.agentmesh.agents.state;

/** A compare-and-set update of run state lost every one of its allowed retries. */
public final class StateConflictException extends StateException {

  private static final long serialVersionUID = 1L;

  private final String key;
  private final int attempts;

  StateConflictException(String key, int attempts) {
    super("state " + key + " changed under every one of " + attempts + " attempts to update it");
    this.key = key;
    this.attempts = attempts;
  }

  /** The state key that kept changing. */
  public String key() {
    return key;
  }

  /** How many compare-and-set attempts were made. */
  public int attempts() {
    return attempts;
  }
}
