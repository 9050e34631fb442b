package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.core.graph.RouterNode;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code router}: passes its input on unchanged and decides the route. With CEL conditions only,
 * the conditions see the input as {@code output}; with a classifier, a model picks one label and
 * the conditions see {@code {field: label}}. A reply that is no declared label becomes the
 * empty string, which only a default edge matches.
 */
final class RouterExecutor implements NodeExecutor {

  private final RouterNode node;
  /** The classifier's model, measured under the node's name; null without a classifier. */
  private final ChatModel classifierModel;

  RouterExecutor(RouterNode node, ModelCatalog models, RuntimeMetrics metrics) {
    this.node = node;
    this.classifierModel = node.classifier()
        .map(c -> metrics.metered(node.name(), c.model(), () -> models.model(c.model())))
        .orElse(null);
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    if (node.classifier().isEmpty()) {
      return new NodeOutput(call.payload(), call.contentType(), LlmExecutor.parseDecision(call.payload(), call.contentType()),
          Map.of(), 0, 0, 0);
    }
    RouterNode.Classifier classifier = node.classifier().get();
    String question = classifier.prompt().map(p -> p.render(call.text(), call.state(), call.runId())).orElse(call.text());
    ChatRequest request = ChatRequest.builder()
        .system("Classify the input. Answer with exactly one of these labels and nothing else: "
            + String.join(", ", classifier.labels()))
        .user(question)
        .deadline(call.deadline().orElse(null))
        .build();
    ChatResponse response = classifierModel.complete(request);
    String answer = response.content() == null ? "" : response.content().trim().toLowerCase(Locale.ROOT);
    String label = classifier.labels().stream().filter(l -> l.toLowerCase(Locale.ROOT).equals(answer)).findFirst()
        .orElseGet(() -> classifier.labels().stream().filter(l -> answer.contains(l.toLowerCase(Locale.ROOT))).findFirst().orElse(""));
    return new NodeOutput(call.payload(), call.contentType(), Map.of(classifier.field(), label), Map.of(),
        response.usage().promptTokens(), response.usage().completionTokens(), response.latency().toNanos() / 1000,
        response.failedAttempts());
  }
}
