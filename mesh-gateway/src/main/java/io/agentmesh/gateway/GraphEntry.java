package io.agentmesh.gateway;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.InputSchema;
import io.agentmesh.core.wire.TopicNames;
import java.util.Optional;

/**
 * A graph this gateway serves: the graph, its topics, and its input schema compiled once at start
 * (references resolved then, so validating a request never fetches anything).
 */
record GraphEntry(Graph graph, TopicNames topics, Optional<InputSchema> inputSchema) {

  static GraphEntry of(Graph graph, String topicPrefix) {
    return new GraphEntry(graph, TopicNames.of(topicPrefix, graph.name()), InputSchema.of(graph));
  }

  String name() {
    return graph.name();
  }
}
