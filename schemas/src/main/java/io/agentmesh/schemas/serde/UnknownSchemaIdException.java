package io.agentmesh.schemas.serde;

/** The registry has no schema with the id a record carries (40403). */
public final class UnknownSchemaIdException extends SerdeException {

  private final int schemaId;

  /** Names the id and the registry asked. */
  public UnknownSchemaIdException(int schemaId, String registryUrl) {
    super("Unknown schema id " + schemaId + ": the Schema Registry at " + registryUrl
        + " has no schema with this id (was the record written against another registry?)");
    this.schemaId = schemaId;
  }

  /** The id that was not found. */
  public int schemaId() {
    return schemaId;
  }
}
