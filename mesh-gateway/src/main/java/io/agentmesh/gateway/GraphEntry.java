package io.agentmesh.gateway;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.wire.TopicNames;
import java.util.Optional;

/**
 * A graph this gateway serves: the graph, its topics, and its input schema compiled once at start
 * (references resolved then, so validating a request never fetches anything).
 */
record GraphEntry(Graph graph, TopicNames topics, Optional<JsonSchema> inputSchema) {

  static GraphEntry of(Graph graph, String topicPrefix) {
    Optional<JsonSchema> schema = graph.inputSchema().map(node -> {
      try {
        SpecVersion.VersionFlag dialect = SpecVersionDetector.detectOptionalVersion(node, false)
            .orElse(SpecVersion.VersionFlag.V202012);
        JsonSchema compiled = JsonSchemaFactory.getInstance(dialect).getSchema(node);
        compiled.initializeValidators();
        return compiled;
      } catch (JsonSchemaException e) {
        throw new IllegalArgumentException("graph '" + graph.name() + "': its inputSchema is not a valid JSON Schema: " + e.getMessage(), e);
      }
    });
    return new GraphEntry(graph, TopicNames.of(topicPrefix, graph.name()), schema);
  }

  String name() {
    return graph.name();
  }
}
