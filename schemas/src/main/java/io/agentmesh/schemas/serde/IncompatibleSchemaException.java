package io.agentmesh.schemas.serde;

/** The registry refused a schema as incompatible with the subject's earlier ones (409). */
public final class IncompatibleSchemaException extends SerdeException {

  private final String subject;

  /** Names the subject and carries the registry's message. */
  public IncompatibleSchemaException(String subject, String registryMessage) {
    super("Schema incompatible with subject '" + subject + "': " + registryMessage);
    this.subject = subject;
  }

  /** The subject that refused the schema. */
  public String subject() {
    return subject;
  }
}
