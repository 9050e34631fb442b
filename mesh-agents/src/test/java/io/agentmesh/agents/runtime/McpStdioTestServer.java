package io.agentmesh.agents.runtime;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A real MCP server over stdio, built with the SDK's server classes, that the tests start as a
 * child process. Tool {@code lookup_order} answers an order's status; every call is appended to
 * the file named by the first argument, so a test can count calls across processes.
 */
public final class McpStdioTestServer {

  private McpStdioTestServer() {}

  public static void main(String[] args) throws Exception {
    PrintStream protocol = System.out;
    System.setOut(System.err); // stdout carries the protocol; anything logged goes to stderr
    Path calls = Path.of(args[0]);
    McpJsonMapper json = McpJsonMapper.getDefault();
    String schema = """
        {"type": "object", "required": ["order"], "properties": {"order": {"type": "string"}}}""";
    McpSyncServer server = McpServer.sync(new StdioServerTransportProvider(json, System.in, protocol))
        .serverInfo("orders", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(McpServerFeatures.SyncToolSpecification.builder()
            .tool(new McpSchema.Tool.Builder().name("lookup_order").description("Status of an order")
                .inputSchema(json, schema).build())
            .callHandler((exchange, request) -> {
              String order = String.valueOf(request.arguments().get("order"));
              try {
                Files.writeString(calls, order + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return new McpSchema.CallToolResult("{\"order\": \"" + order + "\", \"status\": \"shipped\"}", false);
            })
            .build())
        .build();
    Thread.currentThread().join(); // serve until the client closes stdin and the process is ended
  }
}
