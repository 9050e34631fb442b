package io.agentmesh.agents.runtime;

import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.schemas.serde.WireCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.Hop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A failed branch of a fan-out, told to the join instead of failing the run: when a node whose
 * input is part of a fan-out fails for good (retries exhausted, model or tool error) and it feeds a
 * join whose {@code onBranchFailure} is {@code continue} or {@code retry}, the node sends the join a
 * hop of this content type. It carries the failing node's input hop, so the join can re-send it.
 */
final class BranchFailures {

  /** Content type of a branch-failure hop. */
  static final String CONTENT_TYPE = "application/vnd.agentmesh.branch-failure+json";
  private static final ObjectMapper JSON = JsonMappers.create();

  private BranchFailures() {}

  /** What the join learns of a failed branch. */
  record Failure(ErrorCode code, String message, String node, Hop input) {}

  /** The join {@code node} feeds directly whose policy wants to hear about failed branches. */
  static Optional<JoinNode> joinToTell(Graph graph, String node) {
    return graph.outgoing(node).stream()
        .flatMap(e -> e.to().stream())
        .map(target -> graph.nodes().get(target))
        .filter(n -> n instanceof JoinNode join && join.onBranchFailure() != JoinNode.BranchFailure.FAIL)
        .map(JoinNode.class::cast)
        .findFirst();
  }

  static byte[] encode(ErrorCode code, String message, String node, Hop input) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code.name());
    body.put("message", message);
    body.put("node", node);
    try {
      body.put("input", Base64.getEncoder().encodeToString(WireCodec.bytes(input.toByteBuffer())));
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Failure decode(byte[] payload) {
    try {
      JsonNode body = JSON.readTree(payload);
      Hop input = Hop.fromByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(body.path("input").asText())));
      return new Failure(ErrorCode.valueOf(body.path("code").asText("INTERNAL")), body.path("message").asText(""),
          body.path("node").asText(""), input);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a branch-failure payload: " + e.getMessage(), e);
    }
  }
}
