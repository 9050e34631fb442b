package io.agentmesh.schemas.serde;

/** The registry answered a request with an error not covered by a more specific type. */
public final class RegistryRequestException extends SerdeException {

  private final int status;
  private final int errorCode;

  /** Carries the request, HTTP status, Confluent error code and message. */
  public RegistryRequestException(String request, int status, int errorCode, String message) {
    super("Schema Registry refused " + request + ": HTTP " + status + ", error_code " + errorCode + ": "
        + message);
    this.status = status;
    this.errorCode = errorCode;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** Confluent's error code, e.g. 42201 for an invalid schema; 0 when the body had none. */
  public int errorCode() {
    return errorCode;
  }

  @Override
  public boolean retriable() {
    return status >= 500;
  }
}
