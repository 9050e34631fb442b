package io.agentmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.state.NodeVisit;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/** The JSON the gateway answers with for results, events and run records. */
final class RunJson {

  static final ObjectMapper JSON = JsonMappers.create();

  private RunJson() {}

  /** A result: {@code runId, graph, graphVersion, status, output, contentType, error, startedAt, finishedAt, durationMs, hops, tokensIn, tokensOut}. */
  static ObjectNode result(RunResult r) {
    ObjectNode out = JSON.createObjectNode();
    out.put("runId", r.getRunId());
    out.put("graph", r.getGraph());
    out.put("graphVersion", r.getGraphVersion());
    out.put("status", r.getStatus().name());
    if (r.getOutput() != null) {
      out.set("output", payload(r.getOutput(), r.getContentType()));
      out.put("contentType", r.getContentType());
    }
    if (r.getError() != null) {
      ObjectNode error = out.putObject("error");
      error.put("code", r.getError().getCode().name());
      error.put("message", r.getError().getMessage());
      if (r.getError().getNode() != null) {
        error.put("node", r.getError().getNode());
      }
    }
    out.put("startedAt", r.getStartedAt().toString());
    out.put("finishedAt", r.getFinishedAt().toString());
    out.put("durationMs", r.getFinishedAt().toEpochMilli() - r.getStartedAt().toEpochMilli());
    out.put("hops", r.getHops());
    out.put("tokensIn", r.getTokensIn());
    out.put("tokensOut", r.getTokensOut());
    return out;
  }

  /** A lifecycle event as sent on the event stream. */
  static ObjectNode event(RunEvent e) {
    ObjectNode out = JSON.createObjectNode();
    out.put("runId", e.getRunId());
    out.put("graph", e.getGraph());
    out.put("type", e.getType().name());
    if (e.getNode() != null) {
      out.put("node", e.getNode());
    }
    out.put("timestamp", e.getTimestamp().toString());
    out.put("attempt", e.getAttempt());
    if (e.getDetail() != null) {
      out.set("detail", payload(e.getDetail(), e.getDetailContentType()));
    }
    if (e.getServiceMs() != null) {
      out.put("serviceMs", e.getServiceMs());
    }
    if (e.getModelMs() != null) {
      out.put("modelMs", e.getModelMs());
    }
    out.put("tokensIn", e.getTokensIn());
    out.put("tokensOut", e.getTokensOut());
    return out;
  }

  /** A run record with its per-node trace; {@code result} is added when the gateway holds it. */
  static ObjectNode record(RunRecord r, Optional<JsonNode> result) {
    ObjectNode out = JSON.createObjectNode();
    out.put("runId", r.runId());
    out.put("graph", r.graph());
    out.put("graphVersion", r.graphVersion());
    out.put("status", r.status().name());
    instant(out, "createdAt", r.createdAt());
    instant(out, "updatedAt", r.updatedAt());
    instant(out, "finishedAt", r.finishedAt());
    out.put("hops", r.hops());
    out.put("tokensIn", r.tokensIn());
    out.put("tokensOut", r.tokensOut());
    out.put("cancelRequested", r.cancelRequested());
    if (!r.metadata().isEmpty()) {
      ObjectNode metadata = out.putObject("metadata");
      r.metadata().forEach(metadata::put);
    }
    r.error().ifPresent(e -> {
      ObjectNode error = out.putObject("error");
      error.put("code", e.code());
      error.put("message", e.message());
      e.node().ifPresent(n -> error.put("node", n));
    });
    ArrayNode nodes = out.putArray("nodes");
    r.nodes().values().stream()
        .sorted((a, b) -> a.started().orElse(Instant.MAX).compareTo(b.started().orElse(Instant.MAX)))
        .forEach(n -> nodes.add(node(n)));
    result.ifPresent(res -> {
      if (res.has("output")) {
        out.set("output", res.get("output"));
      }
      out.set("result", res);
    });
    return out;
  }

  private static ObjectNode node(NodeVisit n) {
    ObjectNode out = JSON.createObjectNode();
    out.put("node", n.node());
    instant(out, "started", n.started());
    instant(out, "finished", n.finished());
    out.put("serviceMs", n.serviceMs());
    out.put("modelMs", n.modelMs());
    out.put("tokensIn", n.tokensIn());
    out.put("tokensOut", n.tokensOut());
    out.put("attempts", n.attempts());
    return out;
  }

  private static void instant(ObjectNode out, String field, Optional<Instant> value) {
    value.ifPresent(v -> out.put(field, v.toString()));
  }

  /** JSON payloads as JSON, anything else as a string. */
  private static JsonNode payload(ByteBuffer buffer, String contentType) {
    byte[] bytes = WireCodec.bytes(buffer);
    if (contentType != null && contentType.startsWith("application/json")) {
      try {
        return JSON.readTree(bytes);
      } catch (IOException e) {
        // not JSON after all: fall through to text
      }
    }
    return JSON.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
  }
}
