package io.agentmesh.schemas.serde;

/** No configured Schema Registry URL answered; retriable. */
public final class RegistryUnreachableException extends SerdeException {

  /** Names the URLs tried and the last failure. */
  public RegistryUnreachableException(String urls, Throwable cause) {
    super("Schema Registry unreachable at " + urls + ": " + cause, cause);
  }

  @Override
  public boolean retriable() {
    return true;
  }
}
