package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small MCP server over Streamable HTTP on 127.0.0.1 (JDK HttpServer, JSON responses, one
 * session id): initialize, tools/list and tools/call of one tool, {@code convert_currency}. Written
 * by hand because the SDK's HTTP server transports need a servlet container; the client side under
 * test is the SDK's own.
 */
final class McpHttpTestServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  final AtomicInteger toolCalls = new AtomicInteger();
  private final String session = UUID.randomUUID().toString();

  McpHttpTestServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/mcp", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.sendResponseHeaders(exchange.getRequestMethod().equals("DELETE") ? 200 : 405, -1);
        return;
      }
      JsonNode request = JSON.readTree(exchange.getRequestBody());
      if (!request.has("id")) { // a notification (notifications/initialized) or a response
        exchange.sendResponseHeaders(202, -1);
        return;
      }
      ObjectNode result = JSON.createObjectNode();
      switch (request.path("method").asText()) {
        case "initialize" -> {
          result.put("protocolVersion", request.path("params").path("protocolVersion").asText("2025-06-18"));
          result.putObject("capabilities").putObject("tools");
          result.putObject("serverInfo").put("name", "fx").put("version", "1.0");
        }
        case "tools/list" -> result.putArray("tools").addObject()
            .put("name", "convert_currency").put("description", "Converts an amount between currencies")
            .set("inputSchema", JSON.readTree("""
                {"type": "object", "required": ["amount", "to"],
                 "properties": {"amount": {"type": "string", "description": "a decimal number"}, "to": {"type": "string"}}}"""));
        case "tools/call" -> {
          toolCalls.incrementAndGet();
          JsonNode args = request.path("params").path("arguments");
          double converted = args.path("amount").asDouble() * 0.9;
          result.putArray("content").addObject().put("type", "text")
              .put("text", "{\"amount\": " + converted + ", \"currency\": \"" + args.path("to").asText() + "\"}");
          result.put("isError", false);
        }
        case "ping" -> { }
        default -> {
          respond(exchange, JSON.createObjectNode().put("jsonrpc", "2.0").set("id", request.get("id")),
              JSON.createObjectNode().put("code", -32601).put("message", "method not found"), "error");
          return;
        }
      }
      respond(exchange, JSON.createObjectNode().put("jsonrpc", "2.0").set("id", request.get("id")), result, "result");
    }
  }

  private void respond(HttpExchange exchange, JsonNode envelope, JsonNode value, String field) throws IOException {
    ((ObjectNode) envelope).set(field, value);
    byte[] body = JSON.writeValueAsBytes(envelope);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("Mcp-Session-Id", session);
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
