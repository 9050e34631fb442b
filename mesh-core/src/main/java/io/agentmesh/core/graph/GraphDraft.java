package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The parts of a graph before validation, as read from YAML or collected by the builder. */
final class GraphDraft {
  String name = "";
  String version = "";
  Optional<JsonNode> inputSchema = Optional.empty();
  Guards guards = Guards.NONE;
  /** Declared run-state keys in order; duplicates are kept here so the validator can report them. */
  final List<Map.Entry<String, StateReducer>> state = new ArrayList<>();
  final List<Model> models = new ArrayList<>();
  final List<HttpTool> tools = new ArrayList<>();
  final List<McpServer> mcpServers = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final List<Edge> edges = new ArrayList<>();
}
