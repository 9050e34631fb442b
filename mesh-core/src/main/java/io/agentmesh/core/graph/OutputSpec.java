package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * What an LLM node outputs: free text, or JSON optionally checked against a JSON Schema.
 *
 * @param format text or JSON
 * @param schema the JSON Schema the output must satisfy; only with {@link Format#JSON}
 */
public record OutputSpec(Format format, Optional<JsonNode> schema) {

  /** Plain text output. */
  public static final OutputSpec TEXT = new OutputSpec(Format.TEXT, Optional.empty());

  public OutputSpec {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(schema, "schema");
    if (format == Format.TEXT && schema.isPresent()) {
      throw new IllegalArgumentException("output format text cannot have a schema");
    }
  }

  /** JSON output with no schema. */
  public static OutputSpec json() {
    return new OutputSpec(Format.JSON, Optional.empty());
  }

  /** JSON output checked against {@code schema}. */
  public static OutputSpec json(JsonNode schema) {
    return new OutputSpec(Format.JSON, Optional.of(schema));
  }

  /** Output formats. */
  public enum Format { TEXT, JSON }
}
