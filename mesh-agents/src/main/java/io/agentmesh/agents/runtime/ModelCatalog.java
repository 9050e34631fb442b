package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.CircuitBreakerPolicy;
import io.agentmesh.agents.model.ModelCallListener;
import io.agentmesh.agents.model.ModelEndpoint;
import io.agentmesh.agents.model.ModelParameters;
import io.agentmesh.agents.model.OpenAiChatModel;
import io.agentmesh.agents.model.ResilientChatModel;
import io.agentmesh.agents.model.RetryPolicy;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * One resilient chat model per model of the graph (retries, a circuit breaker per endpoint, the
 * declared fallback), shared by every node of the process that uses it, so a breaker sees all of
 * that endpoint's traffic.
 */
final class ModelCatalog implements AutoCloseable {

  private final Graph graph;
  private final UnaryOperator<String> baseUrls;
  private final ModelCallListener listener;
  private final Map<String, ResilientChatModel> models = new ConcurrentHashMap<>();
  private final List<OpenAiChatModel> clients = new ArrayList<>();

  /**
   * @param baseUrls rewrites a model's base URL at bind time (the embedded default points the
   *     well-known simulator URL at the simulator actually started)
   */
  ModelCatalog(Graph graph, UnaryOperator<String> baseUrls, ModelCallListener listener) {
    this.graph = graph;
    this.baseUrls = baseUrls;
    this.listener = listener;
  }

  /** The chat model bound to the graph's model {@code name}. */
  ChatModel model(String name) {
    ResilientChatModel existing = models.get(name);
    if (existing != null) {
      return existing;
    }
    synchronized (this) {
      return bound(name);
    }
  }

  /** The model bound to {@code name}, binding it (and its fallbacks) first if needed; holds this. */
  private ResilientChatModel bound(String name) {
    ResilientChatModel existing = models.get(name);
    if (existing != null) {
      return existing;
    }
    ResilientChatModel made = bind(name);
    models.put(name, made);
    return made;
  }

  private ResilientChatModel bind(String name) {
    Model model = graph.model(name);
    ModelEndpoint endpoint = ModelEndpoint.of(name, baseUrls.apply(model.baseUrl().toString()), model.modelId())
        .withRequestTimeout(model.timeout())
        .withDefaults(new ModelParameters(
            model.temperature().isPresent() ? model.temperature().getAsDouble() : null,
            model.maxTokens().isPresent() ? model.maxTokens().getAsInt() : null, null, null));
    if (model.apiKeyEnv().isPresent()) {
      endpoint = endpoint.withApiKeyEnv(model.apiKeyEnv().get());
    }
    OpenAiChatModel client = OpenAiChatModel.create(endpoint);
    clients.add(client);
    ResilientChatModel.Builder builder = ResilientChatModel.builder(client)
        .retryPolicy(RetryPolicy.DEFAULT.withMaxAttempts(model.retries() + 1))
        .circuitBreaker(CircuitBreakerPolicy.DEFAULT)
        .listener(listener);
    // The fallback is the same instance its own nodes use, so its breaker sees all its traffic.
    // Fallbacks form no cycle (the graph validator rejects one), so this recursion ends.
    model.fallback().ifPresent(fallback -> builder.fallback(bound(fallback)));
    return builder.build();
  }

  @Override
  public void close() {
    clients.forEach(OpenAiChatModel::close);
  }
}
