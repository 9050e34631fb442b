package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.wire.JsonMappers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link JavaNode}'s agent receives: the payload produced by the previous node and the run state.
 *
 * @param payload the input bytes
 * @param contentType media type of the payload, e.g. {@code application/json}
 * @param state a snapshot of the run state at delivery
 */
public record AgentInput(byte[] payload, String contentType, Map<String, Object> state) {

  private static final ObjectMapper JSON = JsonMappers.create();

  public AgentInput {
    payload = payload.clone();
    Objects.requireNonNull(contentType, "contentType");
    state = Map.copyOf(state);
  }

  /** The payload as UTF-8 text. */
  public String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /** The payload parsed as JSON; throws {@link IOException} when it is not JSON. */
  public JsonNode json() throws IOException {
    return JSON.readTree(payload);
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AgentInput other && java.util.Arrays.equals(payload, other.payload)
        && contentType.equals(other.contentType) && state.equals(other.state);
  }

  @Override
  public int hashCode() {
    return Objects.hash(java.util.Arrays.hashCode(payload), contentType, state);
  }

  @Override
  public String toString() {
    return "AgentInput[" + payload.length + " bytes " + contentType + ", state=" + state.keySet() + "]";
  }
}
