package io.agentmesh.infra;

/** A local server could not be started, reached or stopped; the message names the server and the cause. */
public final class InfraException extends RuntimeException {

  public InfraException(String message) {
    super(message);
  }

  public InfraException(String message, Throwable cause) {
    super(message, cause);
  }
}
