package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.HttpTool;
import io.agentmesh.core.graph.McpServer;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The tools of one graph in one process: HTTP tools, and MCP servers connected on first use. */
final class ToolBox implements AutoCloseable {

  private final Graph graph;
  private final HttpClient http;
  private final Map<String, AgentTool> tools = new ConcurrentHashMap<>();
  private final Map<String, McpConnection> servers = new ConcurrentHashMap<>();

  ToolBox(Graph graph, HttpClient http) {
    this.graph = graph;
    this.http = http;
  }

  /** The HTTP tool {@code name} (for tool nodes). */
  HttpToolClient http(String name) {
    HttpTool tool = graph.tools().get(name);
    if (tool == null) {
      throw new IllegalArgumentException("graph '" + graph.name() + "' declares no HTTP tool '" + name + "'");
    }
    return (HttpToolClient) tools.computeIfAbsent(name, n -> new HttpToolClient(tool, http));
  }

  /** The tool {@code name} declared in the graph (HTTP or MCP), empty when none is. */
  Optional<AgentTool> find(String name) {
    if (graph.tools().containsKey(name)) {
      return Optional.of(http(name));
    }
    Optional<McpServer> server = graph.mcpServerOf(name);
    return server.map(s -> tools.computeIfAbsent(name, n -> servers.computeIfAbsent(s.name(), k -> new McpConnection(s)).tool(n)));
  }

  @Override
  public void close() {
    servers.values().forEach(McpConnection::close);
  }
}
