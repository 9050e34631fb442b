package io.agentmesh.schemas.serde;

/** A subject has no such schema (or no schema at all) and registering is off. */
public final class SchemaNotRegisteredException extends SerdeException {

  /** Names the subject and what the registry said. */
  public SchemaNotRegisteredException(String subject, String registryMessage) {
    super("Schema not registered under subject '" + subject + "': " + registryMessage
        + " (register it first, or set auto.register.schemas=true)");
  }
}
