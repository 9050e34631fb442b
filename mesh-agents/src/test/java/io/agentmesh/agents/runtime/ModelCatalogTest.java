package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.CircuitState;
import io.agentmesh.agents.model.ModelCallListener;
import io.agentmesh.agents.model.ModelException;
import io.agentmesh.agents.model.ResilientChatModel;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

  /**
   * A model that is one node's fallback and another node's own model is one instance with one
   * breaker: failures it takes as a fallback count towards the breaker its own callers meet.
   */
  @Test
  void aFallbackIsTheSameModelItsOwnNodesUseWithOneBreaker() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    server.createContext("/", exchange -> {
      calls.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Graph graph = GraphLoader.parse("""
        name: g
        models:
          primary: {baseUrl: "%1$s/primary/v1", model: sim, retries: 0, fallback: spare}
          spare: {baseUrl: "%1$s/spare/v1", model: sim, retries: 0}
        nodes:
          a: {type: llm, model: primary}
          b: {type: llm, model: spare}
        edges:
          - {from: START, to: a}
          - {from: a, to: b}
          - {from: b, to: END}
        """.formatted(base), "graph.yaml", Path.of("."));
    try (ModelCatalog catalog = new ModelCatalog(graph, UnaryOperator.identity(), ModelCallListener.NONE)) {
      ChatRequest request = ChatRequest.builder().user("hello?").build();
      for (int i = 0; i < 10; i++) {
        assertThatThrownBy(() -> catalog.model("primary").complete(request)).isInstanceOf(ModelException.class);
      }
      assertThat(calls.get("/spare/v1/chat/completions")).hasValue(10);
      ResilientChatModel spare = (ResilientChatModel) catalog.model("spare");
      assertThat(spare.circuitState()).isEqualTo(CircuitState.OPEN);
    } finally {
      server.stop(0);
    }
  }
}
