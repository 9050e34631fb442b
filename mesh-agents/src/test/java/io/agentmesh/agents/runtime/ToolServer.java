package io.agentmesh.agents.runtime;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A real HTTP tool server on 127.0.0.1 (JDK HttpServer) that counts the calls of each path. */
final class ToolServer implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, String> lastBody = new ConcurrentHashMap<>();

  private ToolServer(HttpServer server) {
    this.server = server;
  }

  /** Starts a server answering each path with {@code answer.apply(requestBody)} as JSON. */
  static ToolServer start(Map<String, Function<String, String>> routes) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ToolServer tools = new ToolServer(http);
    routes.forEach((path, answer) -> http.createContext(path, exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      tools.calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      tools.lastBody.put(path, body);
      byte[] out = answer.apply(body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    }));
    http.start();
    return tools;
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  String lastBody(String path) {
    return lastBody.get(path);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
