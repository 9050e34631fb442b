package io.agentmesh.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/** One version of a subject: its number, global id and schema. */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {

  /** Validates the fields. */
  public RegisteredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
  }
}
