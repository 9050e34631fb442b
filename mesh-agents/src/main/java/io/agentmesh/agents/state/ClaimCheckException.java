package io.agentmesh.agents.state;

/** A claim-checked payload could not be resolved: gone, or not the bytes the reference names. */
public final class ClaimCheckException extends StateException {

  private static final long serialVersionUID = 1L;

  /** What was wrong with the stored payload. */
  public enum Reason {
    /** No value under the key: expired, deleted, or never stored. */
    MISSING,
    /** The stored value has another size than the reference says. */
    SIZE_MISMATCH,
    /** The stored value has another SHA-256 than the reference says. */
    DIGEST_MISMATCH
  }

  private final String key;
  private final Reason reason;

  ClaimCheckException(String key, Reason reason, String detail) {
    super("claim check " + key + ": " + reason + " (" + detail + ")");
    this.key = key;
    this.reason = reason;
  }

  /** The Redis key of the payload. */
  public String key() {
    return key;
  }

  /** What was wrong. */
  public Reason reason() {
    return reason;
  }
}
