package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.model.Attempt;
import io.agentmesh.agents.model.ChatMessage;
import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.agents.model.ResponseFormat;
import io.agentmesh.agents.model.ToolCall;
import io.agentmesh.agents.model.ToolDefinition;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.graph.MemorySpec;
import io.agentmesh.core.graph.OutputSpec;
import io.agentmesh.core.state.MemoryBound;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.Message;
import io.agentmesh.core.state.ToolEffect;
import io.agentmesh.core.wire.JsonMappers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@code llm} node: renders its prompts, calls its model, runs the tools the model asks for
 * and feeds their results back until the model answers, and checks JSON output against its schema.
 *
 * <p>Tools: only those the node declares are offered and run; a call to any other name is
 * refused (logged, counted as {@code mesh.tool.calls.refused}, answered to the model as an error)
 * and never executed. Each executed call's result is recorded in Redis under (run, node, input id,
 * call key) before the next model call, and a redelivered input replays recorded results instead
 * of calling the tool again. The call key is derived from the round, the position, the tool name
 * and the arguments, not from the model's call id, which a model may draw at random each time.
 * The rounds are bounded ({@code maxToolRounds}); a model still asking for tools after the last
 * round fails the node.
 *
 * <p>Memory: with {@code memory:} the node's earlier turns in the run (or a shared memory's) are
 * sent before the new prompt, and the new prompt and answer are appended (once per input id) and
 * trimmed to the bound (dropping the oldest, or replacing them by a summary written by the node's model).
 */
final class LlmExecutor implements NodeExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(LlmExecutor.class);
  private static final ObjectMapper JSON = JsonMappers.create();

  private final LlmNode node;
  /** The node's model, measured under the node's name. */
  private final ChatModel model;
  private final MeshRedis redis;
  private final ToolBox tools;
  private final RuntimeMetrics metrics;

  LlmExecutor(LlmNode node, ModelCatalog models, MeshRedis redis, ToolBox tools, RuntimeMetrics metrics) {
    this.node = node;
    this.model = metrics.metered(node.name(), node.model(), () -> models.model(node.model()));
    this.redis = redis;
    this.tools = tools;
    this.metrics = metrics;
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    List<ChatMessage> messages = new ArrayList<>();
    String system = node.system().map(p -> p.render(call.text(), call.state(), call.runId())).orElse("");
    String role = node.role().orElse("");
    if (!role.isBlank() || !system.isBlank()) {
      messages.add(ChatMessage.system((role.isBlank() ? "" : "Role: " + role + "\n") + system));
    }
    if (node.memory().isPresent()) {
      for (Message m : HopHandler.await(redis.memory().all(call.runId(), memoryKey()))) {
        messages.add(m.role().equals("assistant") ? ChatMessage.assistant(m.content()) : ChatMessage.user(m.content()));
      }
    }
    String userPrompt = node.prompt().render(call.text(), call.state(), call.runId());
    messages.add(ChatMessage.user(userPrompt));
    boolean json = node.output().format() == OutputSpec.Format.JSON;
    Map<String, AgentTool> declared = declaredTools();
    long tokensIn = 0;
    long tokensOut = 0;
    long modelMicros = 0;
    List<Attempt> failedCalls = new ArrayList<>();
    for (int round = 0; ; round++) {
      ChatRequest.Builder request = ChatRequest.builder().messages(messages).deadline(call.deadline().orElse(null));
      declared.values().forEach(t -> request.tool(t.definition()));
      if (json) {
        request.responseFormat(node.output().schema()
            .map(schema -> ResponseFormat.jsonSchema(node.name() + "_output", schema))
            .orElse(ResponseFormat.JSON_OBJECT));
      }
      ChatResponse response = model.complete(request.build());
      tokensIn += response.usage().promptTokens();
      tokensOut += response.usage().completionTokens();
      modelMicros += response.latency().toNanos() / 1000;
      failedCalls.addAll(response.failedAttempts());
      if (!response.hasToolCalls()) {
        String content = response.content() == null ? "" : response.content();
        remember(call, userPrompt, content);
        byte[] payload = content.getBytes(StandardCharsets.UTF_8);
        String contentType = json ? "application/json" : "text/plain; charset=utf-8";
        return new NodeOutput(payload, contentType, parseDecision(payload, contentType), Map.of(),
            tokensIn, tokensOut, modelMicros, failedCalls);
      }
      if (round >= node.maxToolRounds()) {
        throw new IllegalStateException("node '" + node.name() + "': the model still asked for tools after "
            + node.maxToolRounds() + " rounds (maxToolRounds)");
      }
      messages.add(response.toMessage());
      List<ToolCall> calls = response.toolCalls();
      for (int i = 0; i < calls.size(); i++) {
        ToolCall toolCall = calls.get(i);
        messages.add(ChatMessage.tool(toolCall.id(), runTool(call, declared, toolCall, round, i)));
      }
    }
  }

  private Map<String, AgentTool> declaredTools() {
    Map<String, AgentTool> declared = new LinkedHashMap<>();
    for (String name : node.tools()) {
      declared.put(name, tools.find(name).orElseThrow(() -> new IllegalStateException(
          "node '" + node.name() + "': tool '" + name + "' is not declared in the graph")));
    }
    return declared;
  }

  /** Runs one call the model asked for, or answers it from its recorded effect; returns what the model sees. */
  private String runTool(NodeCall call, Map<String, AgentTool> declared, ToolCall toolCall, int round, int index) throws Exception {
    AgentTool tool = declared.get(toolCall.name());
    if (tool == null) {
      metrics.toolCallRefused(node.name());
      LOG.warn("run {} node {}: refused a call to tool '{}', which the node does not declare (declared: {})",
          call.runId(), node.name(), toolCall.name(), declared.keySet());
      return "error: tool '" + toolCall.name() + "' is not available to this agent; available tools: " + declared.keySet();
    }
    String key = "r" + round + "-" + index + "-" + HopHandler.sha256Hex(toolCall.name() + "\n" + toolCall.arguments()).substring(0, 16);
    Optional<ToolEffect> recorded = HopHandler.await(redis.toolEffects().find(call.runId(), node.name(), call.inputId(), key));
    if (recorded.isPresent()) {
      return new String(recorded.get().result(), StandardCharsets.UTF_8);
    }
    String result;
    boolean failed = false;
    try {
      result = tool.call(toolCall.arguments());
    } catch (AgentTool.ToolCallException e) {
      result = "error: " + e.getMessage();
      failed = true;
    }
    HopHandler.await(redis.toolEffects().save(new ToolEffect(call.runId(), node.name(), call.inputId(), key,
        result.getBytes(StandardCharsets.UTF_8), failed, Clock.systemUTC().instant())));
    return result;
  }

  private String memoryKey() {
    return node.memory().orElseThrow().key(node.name());
  }

  private void remember(NodeCall call, String userPrompt, String answer) {
    if (node.memory().isEmpty()) {
      return;
    }
    MemorySpec spec = node.memory().get();
    MemoryBound bound = new MemoryBound(spec.maxMessages(), spec.maxTokens(), Optional.empty());
    if (spec.summarise()) {
      bound = bound.summarisedBy(summariser(call));
    }
    // once per (node, input id): a turn produced again after a crash before the checkpoint is kept once
    HopHandler.await(redis.memory().appendOnceAndTrim(call.runId(), memoryKey(), node.name() + "|" + call.inputId(),
        List.of(new Message("user", userPrompt), new Message("assistant", answer)), bound));
  }

  /** Asks the node's model for a summary of the oldest messages (runs on a virtual thread). */
  private Function<List<Message>, Message> summariser(NodeCall call) {
    return dropped -> {
      StringBuilder text = new StringBuilder();
      dropped.forEach(m -> text.append(m.role()).append(": ").append(m.content()).append('\n'));
      try {
        ChatResponse summary = model.complete(ChatRequest.builder()
            .system("Summarise this conversation in a few sentences, keeping facts and decisions.")
            .user(text.toString()).deadline(call.deadline().orElse(null)).build());
        return new Message("user", "Summary of the earlier conversation: " + summary.content());
      } catch (Exception e) {
        throw new IllegalStateException("node '" + node.name() + "': summarising memory failed: " + e.getMessage(), e);
      }
    };
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
