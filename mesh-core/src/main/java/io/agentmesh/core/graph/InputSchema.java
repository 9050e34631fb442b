package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A graph's input schema, compiled once (references resolved then, so a check never fetches
 * anything). The gateway checks requests with it and the entry node checks tasks from the ingress
 * topic, so bad input fails the same way whichever door it came in by.
 */
public final class InputSchema {

  private static final int MAX_VIOLATIONS = 10;

  private final String graph;
  private final JsonSchema schema;

  private InputSchema(String graph, JsonSchema schema) {
    this.graph = graph;
    this.schema = schema;
  }

  /** What is wrong with an input, and where ({@code field} is a JSON pointer, {@code $} for the root). */
  public record Violation(String field, String keyword, String message) {}

  /** The graph's compiled input schema, if it declares one; a schema that does not compile is an error naming the graph. */
  public static Optional<InputSchema> of(Graph graph) {
    return graph.inputSchema().map(node -> {
      try {
        SpecVersion.VersionFlag dialect = SpecVersionDetector.detectOptionalVersion(node, false)
            .orElse(SpecVersion.VersionFlag.V202012);
        JsonSchema compiled = JsonSchemaFactory.getInstance(dialect).getSchema(node);
        compiled.initializeValidators();
        return new InputSchema(graph.name(), compiled);
      } catch (JsonSchemaException e) {
        throw new IllegalArgumentException("graph '" + graph.name() + "': its inputSchema is not a valid JSON Schema: "
            + e.getMessage(), e);
      }
    });
  }

  /** The input's violations (at most ten); empty when it conforms. */
  public List<Violation> check(JsonNode input) {
    Set<ValidationMessage> problems;
    try {
      problems = schema.validate(input);
    } catch (RuntimeException | StackOverflowError e) {
      return List.of(new Violation("$", "", "the input could not be checked against graph '" + graph + "' input schema"));
    }
    return problems.stream().limit(MAX_VIOLATIONS)
        .map(p -> new Violation(p.getInstanceLocation() == null ? "$" : p.getInstanceLocation().toString(),
            p.getType() == null ? "" : p.getType(), p.getMessage()))
        .toList();
  }
}
