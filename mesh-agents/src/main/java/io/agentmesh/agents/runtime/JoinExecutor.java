package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.schemas.avro.ErrorCode;
import java.util.Map;

/**
 * The node step of a join, run by {@link HopHandler} once {@link JoinProcessor} decided: the merged
 * output passes through (so routing, checkpoint, events and the result work as for any node), or
 * the join's verdict fails the run.
 */
final class JoinExecutor implements NodeExecutor {

  /** Content type of a verdict that fails the run: {@code {"code": ErrorCode, "message": ...}}. */
  static final String FAILURE_TYPE = "application/vnd.agentmesh.join-failure+json";
  private static final ObjectMapper JSON = JsonMappers.create();

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    if (call.contentType().equals(FAILURE_TYPE)) {
      JsonNode verdict = JSON.readTree(call.payload());
      throw RunFailure.of(ErrorCode.valueOf(verdict.path("code").asText("INTERNAL")), verdict.path("message").asText());
    }
    return new NodeOutput(call.payload(), call.contentType(), LlmExecutor.parseDecision(call.payload(), call.contentType()),
        Map.of(), 0, 0, 0);
  }

  static byte[] failure(ErrorCode code, String message) {
    try {
      return JSON.writeValueAsBytes(Map.of("code", code.name(), "message", message));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
