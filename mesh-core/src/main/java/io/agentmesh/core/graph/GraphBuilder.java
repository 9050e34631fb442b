package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Builds a {@link Graph} in Java; {@link #build()} runs the same validation as loading graph.yaml
 * and reports every problem at once in a {@link GraphValidationException}.
 */
public final class GraphBuilder {

  private final GraphDraft draft = new GraphDraft();

  GraphBuilder(String name) {
    draft.name = name;
  }

  /** Sets the version. */
  public GraphBuilder version(String version) {
    draft.version = version;
    return this;
  }

  /** Sets the JSON Schema of the run input. */
  public GraphBuilder inputSchema(JsonNode schema) {
    draft.inputSchema = Optional.of(schema);
    return this;
  }

  /** Sets the guards. */
  public GraphBuilder guards(Guards guards) {
    draft.guards = guards;
    return this;
  }

  /**
   * Declares how updates of run-state key {@code key} combine ({@code state:} in graph.yaml);
   * undeclared keys are replaced by each update.
   */
  public GraphBuilder state(String key, StateReducer merge) {
    draft.state.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, merge));
    return this;
  }

  /** Adds a model. */
  public GraphBuilder model(Model model) {
    draft.models.add(model);
    return this;
  }

  /** Adds a tool. */
  public GraphBuilder tool(HttpTool tool) {
    draft.tools.add(tool);
    return this;
  }

  /** Adds an MCP server whose listed tools agents may call. */
  public GraphBuilder mcpServer(McpServer server) {
    draft.mcpServers.add(server);
    return this;
  }

  /** Adds a node. */
  public GraphBuilder node(Node node) {
    draft.nodes.add(node);
    return this;
  }

  /** Adds an edge. */
  public GraphBuilder edge(Edge edge) {
    draft.edges.add(edge);
    return this;
  }

  /** Adds an unconditional edge from {@code from} to {@code to}. */
  public GraphBuilder edge(String from, String... to) {
    return edge(Edge.of(from, to));
  }

  /** Validates and returns the graph; throws {@link GraphValidationException} listing every problem. */
  public Graph build() {
    Problems problems = Problems.withoutPositions("<builder:" + draft.name + ">");
    return GraphValidator.validate(draft, problems, Optional.empty());
  }
}
