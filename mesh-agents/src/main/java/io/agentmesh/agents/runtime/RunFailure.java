package io.agentmesh.agents.runtime;

import io.agentmesh.schemas.avro.ErrorCode;

/** A run cannot go on: the code and reason end up in the failure result and the run record. */
final class RunFailure extends Exception {

  private final ErrorCode code;
  private final boolean deadLetter;

  private RunFailure(ErrorCode code, String message, boolean deadLetter, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
    this.deadLetter = deadLetter;
  }

  /** A guard or routing outcome: the run fails, the message itself was fine (no dead letter). */
  static RunFailure of(ErrorCode code, String message) {
    return new RunFailure(code, message, false, null);
  }

  /** The message could not be handled: the run fails and the message goes to the dead-letter topic. */
  static RunFailure deadLetter(ErrorCode code, String message, Throwable cause) {
    return new RunFailure(code, message, true, cause);
  }

  ErrorCode code() {
    return code;
  }

  boolean deadLetter() {
    return deadLetter;
  }
}
