package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.HttpTool;
import io.agentmesh.core.graph.ToolNode;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code tool} node: one HTTP call with the node's input as the JSON body. Only hosts on the
 * tool's allow-list are called; 5xx and I/O errors are retried with backoff, 4xx are final. The
 * node's checkpoint makes the call's effect happen once per input.
 */
final class ToolExecutor implements NodeExecutor {

  private final ToolNode node;
  private final HttpTool tool;
  private final HttpClient http;
  private final Retry retry;

  ToolExecutor(ToolNode node, HttpTool tool, HttpClient http) {
    this.node = node;
    this.tool = tool;
    this.http = http;
    this.retry = Retry.of("tool-" + tool.name(), RetryConfig.custom()
        .maxAttempts(3)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(200, 2.0, 0.5))
        .retryExceptions(IOException.class, ToolServerError.class)
        .build());
    checkAllowed(tool.url());
  }

  private void checkAllowed(URI url) {
    if (!tool.allowedHosts().isEmpty() && !tool.allowedHosts().contains(url.getHost())) {
      throw new IllegalArgumentException("tool '" + tool.name() + "': host " + url.getHost()
          + " is not in its allowedHosts " + tool.allowedHosts());
    }
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(tool.url())
        .timeout(tool.timeout())
        .header("Content-Type", "application/json")
        .method(tool.method().toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.ofByteArray(call.payload()))
        .build();
    HttpResponse<byte[]> response = retry.executeCallable(() -> {
      HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (answer.statusCode() >= 500) {
        throw new ToolServerError("tool '" + tool.name() + "' answered " + answer.statusCode());
      }
      return answer;
    });
    if (response.statusCode() >= 400) {
      throw new IllegalStateException("tool '" + tool.name() + "' of node '" + node.name() + "' answered "
          + response.statusCode() + ": " + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    String contentType = response.headers().firstValue("Content-Type").orElse("application/json");
    return new NodeOutput(response.body(), contentType, LlmExecutor.parseDecision(response.body(), contentType), Map.of(), 0, 0, 0);
  }

  /** A 5xx answer: worth another attempt. */
  static final class ToolServerError extends Exception {
    ToolServerError(String message) {
      super(message);
    }
  }
}
