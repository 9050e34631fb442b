package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.agents.model.ResponseFormat;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.graph.OutputSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An {@code llm} node: renders its prompts, calls its model, and checks JSON output against its schema. */
final class LlmExecutor implements NodeExecutor {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LlmNode node;
  private final ModelCatalog models;

  LlmExecutor(LlmNode node, ModelCatalog models) {
    this.node = node;
    this.models = models;
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    ChatRequest.Builder request = ChatRequest.builder();
    String system = node.system().map(p -> p.render(call.text(), call.state(), call.runId())).orElse("");
    String role = node.role().orElse("");
    if (!role.isBlank() || !system.isBlank()) {
      request.system((role.isBlank() ? "" : "Role: " + role + "\n") + system);
    }
    request.user(node.prompt().render(call.text(), call.state(), call.runId()));
    boolean json = node.output().format() == OutputSpec.Format.JSON;
    if (json) {
      request.responseFormat(node.output().schema()
          .map(schema -> ResponseFormat.jsonSchema(node.name() + "_output", schema))
          .orElse(ResponseFormat.JSON_OBJECT));
    }
    ChatResponse response = models.model(node.model()).complete(request.build());
    String content = response.content() == null ? "" : response.content();
    byte[] payload = content.getBytes(StandardCharsets.UTF_8);
    Object decision = json ? JSON.convertValue(JSON.readTree(payload), Map.class) : content;
    return new NodeOutput(payload, json ? "application/json" : "text/plain; charset=utf-8", decision, Map.of(),
        response.usage().promptTokens(), response.usage().completionTokens(), response.latency().toMillis());
  }

  static Object parseDecision(byte[] payload, String contentType) {
    if (contentType != null && contentType.startsWith("application/json")) {
      try {
        JsonNode tree = JSON.readTree(payload);
        return tree.isObject() ? JSON.convertValue(tree, Map.class) : JSON.convertValue(tree, Object.class);
      } catch (java.io.IOException e) {
        return new String(payload, StandardCharsets.UTF_8);
      }
    }
    return new String(payload, StandardCharsets.UTF_8);
  }
}
