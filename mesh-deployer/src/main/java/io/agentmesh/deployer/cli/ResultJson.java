package io.agentmesh.deployer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A run result as the JSON the command line prints. */
final class ResultJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ResultJson() {}

  static String of(RunResult result) {
    ObjectNode out = JSON.createObjectNode();
    out.put("runId", result.getRunId());
    out.put("graph", result.getGraph());
    out.put("status", result.getStatus().name());
    if (result.getOutput() != null) {
      String text = text(result.getOutput());
      String type = result.getContentType() == null ? "" : result.getContentType();
      if (type.startsWith("application/json")) {
        try {
          out.set("output", JSON.readTree(text));
        } catch (java.io.IOException e) {
          out.put("output", text);
        }
      } else {
        out.put("output", text);
      }
    }
    if (result.getError() != null) {
      ObjectNode error = out.putObject("error");
      error.put("code", result.getError().getCode().name());
      error.put("message", result.getError().getMessage());
      if (result.getError().getNode() != null) {
        error.put("node", result.getError().getNode());
      }
    }
    out.put("hops", result.getHops());
    out.put("tokensIn", result.getTokensIn());
    out.put("tokensOut", result.getTokensOut());
    out.put("millis", result.getFinishedAt().toEpochMilli() - result.getStartedAt().toEpochMilli());
    return out.toPrettyString();
  }

  static JsonNode parse(String json) throws java.io.IOException {
    return JSON.readTree(json);
  }

  private static String text(ByteBuffer buffer) {
    return new String(WireCodec.bytes(buffer), StandardCharsets.UTF_8);
  }
}
