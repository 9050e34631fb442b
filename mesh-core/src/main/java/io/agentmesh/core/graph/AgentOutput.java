package io.agentmesh.core.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.wire.JsonMappers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link Agent} returns: the node's output and the run-state entries it sets.
 *
 * @param payload the output bytes
 * @param contentType media type of the payload
 * @param stateUpdates run-state entries to set (merged into the run state with compare-and-set)
 */
public record AgentOutput(byte[] payload, String contentType, Map<String, Object> stateUpdates) {

  private static final ObjectMapper JSON = JsonMappers.create();

  public AgentOutput {
    payload = payload.clone();
    Objects.requireNonNull(contentType, "contentType");
    stateUpdates = Map.copyOf(stateUpdates);
  }

  /** A text output. */
  public static AgentOutput text(String text) {
    return new AgentOutput(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Map.of());
  }

  /** A JSON output: {@code value} is serialised with Jackson (a JsonNode, map, list, record...). */
  public static AgentOutput json(Object value) {
    try {
      return new AgentOutput(JSON.writeValueAsBytes(value), "application/json", Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("output is not serialisable as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Copy that also sets run-state entries. */
  public AgentOutput withState(Map<String, Object> updates) {
    return new AgentOutput(payload, contentType, updates);
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AgentOutput other && java.util.Arrays.equals(payload, other.payload)
        && contentType.equals(other.contentType) && stateUpdates.equals(other.stateUpdates);
  }

  @Override
  public int hashCode() {
    return Objects.hash(java.util.Arrays.hashCode(payload), contentType, stateUpdates);
  }

  @Override
  public String toString() {
    return "AgentOutput[" + payload.length + " bytes " + contentType + ", state=" + stateUpdates.keySet() + "]";
  }
}
