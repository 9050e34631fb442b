package io.agentmesh.core.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parser for the JSON form of a task on the ingress topic (docs/wire-format.md).
 *
 * <p>A JSON object that has an {@code input} member and no member outside {@link #ENVELOPE_FIELDS}
 * is the envelope {@code {"runId", "input", "metadata", "deadline", "idempotencyKey"}}; its
 * members are then checked strictly. Any other JSON value (for example {@code {"question": "..."}}
 * or a bare string) is taken as the input itself. This keeps plain JSON from any client working
 * while the envelope stays unambiguous: a caller whose own input happens to be an object with only
 * envelope member names must wrap it in an envelope.
 */
public final class IngressJson {

  /** Member names of the envelope. */
  public static final Set<String> ENVELOPE_FIELDS =
      Set.of("runId", "input", "metadata", "deadline", "idempotencyKey");

  private static final ObjectMapper JSON =
      JsonMappers.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private IngressJson() {}

  /** Parses one ingress message; throws {@link IngressFormatException} naming what is wrong and where. */
  public static TaskInput parse(byte[] message) {
    if (message == null || message.length == 0) {
      throw new IngressFormatException("empty ingress message: expected a JSON value", 0);
    }
    JsonNode root;
    try {
      root = JSON.readTree(message);
    } catch (JsonProcessingException e) {
      long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
      throw new IngressFormatException(
          "invalid JSON at byte offset " + offset + ": " + e.getOriginalMessage(), offset);
    } catch (IOException e) {
      throw new IngressFormatException("unreadable ingress message: " + e.getMessage(), -1);
    }
    if (root == null || root.isMissingNode()) {
      throw new IngressFormatException("empty ingress message: expected a JSON value", 0);
    }
    return isEnvelope(root) ? envelope((ObjectNode) root) : TaskInput.plain(root);
  }

  private static boolean isEnvelope(JsonNode root) {
    if (!root.isObject() || !root.has("input")) {
      return false;
    }
    for (var names = root.fieldNames(); names.hasNext(); ) {
      if (!ENVELOPE_FIELDS.contains(names.next())) {
        return false;
      }
    }
    return true;
  }

  private static TaskInput envelope(ObjectNode root) {
    Optional<String> runId = optionalText(root, "runId");
    runId.ifPresent(id -> {
      if (id.isBlank()) {
        throw new IngressFormatException("envelope member 'runId' must not be blank", -1);
      }
    });
    Optional<Instant> deadline = optionalText(root, "deadline").map(IngressJson::instant);
    return new TaskInput(
        runId,
        root.get("input"),
        metadata(root.get("metadata")),
        deadline,
        optionalText(root, "idempotencyKey"),
        true);
  }

  private static Optional<String> optionalText(ObjectNode root, String name) {
    JsonNode value = root.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new IngressFormatException(
          "envelope member '" + name + "' must be a string, was " + value.getNodeType().name().toLowerCase(), -1);
    }
    return Optional.of(value.textValue());
  }

  private static Map<String, String> metadata(JsonNode node) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new IngressFormatException("envelope member 'metadata' must be an object of strings", -1);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var it = node.properties().iterator(); it.hasNext(); ) {
      var entry = it.next();
      JsonNode value = entry.getValue();
      if (value.isContainerNode()) {
        throw new IngressFormatException(
            "metadata value '" + entry.getKey() + "' must be a string, number or boolean", -1);
      }
      if (!value.isNull()) {
        out.put(entry.getKey(), value.asText());
      }
    }
    return out;
  }

  private static Instant instant(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new IngressFormatException(
          "envelope member 'deadline' must be an ISO-8601 instant with offset (e.g. 2026-11-21T10:15:30Z), was '"
              + text + "'", -1);
    }
  }
}
