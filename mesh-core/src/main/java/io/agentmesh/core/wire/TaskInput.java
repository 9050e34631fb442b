package io.agentmesh.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A task as read from the ingress topic's JSON form: the input of a run plus what the caller
 * said about it.
 *
 * @param runId the caller's run id, absent to let the mesh assign one
 * @param input the run's input (any JSON value)
 * @param metadata caller metadata carried with the run, never interpreted
 * @param deadline the instant by which the run must finish, absent for the graph's default
 * @param idempotencyKey a key that makes a resubmission return the existing run
 * @param enveloped whether the message used the documented envelope shape rather than plain JSON
 */
public record TaskInput(
    Optional<String> runId,
    JsonNode input,
    Map<String, String> metadata,
    Optional<Instant> deadline,
    Optional<String> idempotencyKey,
    boolean enveloped) {

  private static final ObjectMapper JSON = JsonMappers.create();

  /** Content type of {@link #inputBytes()}. */
  public static final String CONTENT_TYPE = "application/json";

  public TaskInput {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(input, "input");
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(deadline, "deadline");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  /** A task whose whole message was the input (plain JSON, no envelope). */
  public static TaskInput plain(JsonNode input) {
    return new TaskInput(Optional.empty(), input, Map.of(), Optional.empty(), Optional.empty(), false);
  }

  /** The input serialised as compact UTF-8 JSON, as carried in {@code Task.input}. */
  public byte[] inputBytes() {
    try {
      return JSON.writeValueAsString(input).getBytes(StandardCharsets.UTF_8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree could not be written back", e);
    }
  }
}
