package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.ToolNode;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * A {@code tool} node: one HTTP call with the node's input as the JSON body. The input must match
 * the tool's {@code inputSchema} (else the tool is not called) and, when the tool declares an
 * {@code outputSchema}, its answer must match that; either mismatch fails the run with
 * {@code TOOL_ERROR}. Only hosts on the tool's allow-list are called; 5xx and I/O errors are retried
 * with backoff, 4xx are final. The node's checkpoint makes the call's effect happen once per input.
 */
final class ToolExecutor implements NodeExecutor {

  private final ToolNode node;
  private final HttpToolClient client;

  ToolExecutor(ToolNode node, HttpToolClient client) {
    this.node = node;
    this.client = client;
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    client.arguments(call.text());
    HttpResponse<byte[]> response = client.send(call.payload());
    if (response.statusCode() >= 400) {
      throw new IllegalStateException("tool '" + client.tool().name() + "' of node '" + node.name() + "' answered "
          + response.statusCode() + ": " + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    client.checkResult(response.body());
    String contentType = response.headers().firstValue("Content-Type").orElse("application/json");
    return new NodeOutput(response.body(), contentType, LlmExecutor.parseDecision(response.body(), contentType), Map.of(), 0, 0, 0);
  }
}
