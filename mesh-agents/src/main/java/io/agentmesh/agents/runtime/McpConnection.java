package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.model.ToolDefinition;
import io.agentmesh.core.graph.McpServer;
import io.agentmesh.core.wire.JsonMappers;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP server of the graph, reached through the MCP Java SDK's synchronous client over stdio
 * (the runtime starts the server as a child process) or Streamable HTTP. Connects on first use,
 * lists the server's tools once, and exposes only those the graph names in the server's
 * {@code tools:} list. Calls block; the runtime makes them from virtual threads.
 */
final class McpConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(McpConnection.class);
  private static final ObjectMapper JSON = JsonMappers.create();

  private final McpServer server;
  private McpSyncClient client;
  private Map<String, ToolDefinition> definitions;

  McpConnection(McpServer server) {
    this.server = server;
  }

  /** The tool {@code name} of this server, as an {@link AgentTool}. */
  AgentTool tool(String name) {
    if (!server.tools().contains(name)) {
      throw new IllegalArgumentException("MCP server '" + server.name() + "' does not expose tool '" + name + "'");
    }
    return new AgentTool() {
      @Override
      public ToolDefinition definition() {
        return definitions().get(name);
      }

      @Override
      public String call(String argumentsJson) throws Exception {
        return McpConnection.this.call(name, argumentsJson);
      }
    };
  }

  private synchronized McpSyncClient client() {
    if (client == null) {
      McpClientTransport transport = switch (server.transport()) {
        case STDIO -> new StdioClientTransport(ServerParameters.builder(server.command().getFirst())
            .args(server.command().subList(1, server.command().size())).build(), McpJsonMapper.getDefault());
        case HTTP -> {
          URI url = server.url().orElseThrow();
          if (!server.allowedHosts().isEmpty() && !server.allowedHosts().contains(url.getHost())) {
            throw new IllegalArgumentException("MCP server '" + server.name() + "': host " + url.getHost()
                + " is not in its allowedHosts " + server.allowedHosts());
          }
          String base = url.getScheme() + "://" + url.getAuthority();
          yield HttpClientStreamableHttpTransport.builder(base)
              .endpoint(url.getRawPath() == null || url.getRawPath().isEmpty() ? "/mcp" : url.getRawPath()).build();
        }
      };
      McpSyncClient created = McpClient.sync(transport).requestTimeout(server.timeout()).build();
      try {
        created.initialize();
      } catch (RuntimeException e) {
        created.closeGracefully();
        throw new IllegalStateException("MCP server '" + server.name() + "' (" + server.transport() + ") did not initialise: " + e.getMessage(), e);
      }
      LOG.info("MCP server {} connected over {}", server.name(), server.transport());
      client = created;
    }
    return client;
  }

  private synchronized Map<String, ToolDefinition> definitions() {
    if (definitions == null) {
      Map<String, ToolDefinition> found = new HashMap<>();
      for (McpSchema.Tool tool : client().listTools().tools()) {
        if (server.tools().contains(tool.name())) {
          JsonNode schema = JSON.valueToTree(tool.inputSchema());
          found.put(tool.name(), new ToolDefinition(tool.name(), tool.description() == null ? "" : tool.description(), schema));
        }
      }
      List<String> missing = server.tools().stream().filter(t -> !found.containsKey(t)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalStateException("MCP server '" + server.name() + "' does not offer the tools " + missing
            + " the graph lists (it offers " + client().listTools().tools().stream().map(McpSchema.Tool::name).toList() + ")");
      }
      definitions = Map.copyOf(found);
    }
    return definitions;
  }

  private String call(String name, String argumentsJson) throws Exception {
    Map<String, Object> arguments;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = JSON.readValue(argumentsJson, Map.class);
      arguments = parsed;
    } catch (IOException e) {
      throw new AgentTool.ToolCallException("arguments of tool '" + name + "' are not a JSON object: " + e.getMessage());
    }
    McpSchema.CallToolResult result = client().callTool(new McpSchema.CallToolRequest(name, arguments));
    String text = result.content().stream()
        .map(c -> c instanceof McpSchema.TextContent t ? t.text() : JSON.valueToTree(c).toString())
        .collect(Collectors.joining("\n"));
    if (Boolean.TRUE.equals(result.isError())) {
      throw new AgentTool.ToolCallException("tool '" + name + "' failed: " + text);
    }
    return text;
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      try {
        client.closeGracefully();
      } catch (RuntimeException e) {
        LOG.warn("MCP server {}: close failed: {}", server.name(), e.toString());
      }
      client = null;
    }
  }
}
