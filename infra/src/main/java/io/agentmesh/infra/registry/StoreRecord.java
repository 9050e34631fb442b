package io.agentmesh.infra.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;

/**
 * One record of the {@code _schemas} topic.
 *
 * <p>Keys and values are JSON in the shape Confluent's registry writes ({@code keytype} SCHEMA or
 * CONFIG, with subject and version), so the topic reads naturally with any tool. A null value is a
 * tombstone: a hard-deleted version or a removed subject-level config. Key types this registry does
 * not write (NOOP, MODE, DELETE_SUBJECT...) are skipped on read.
 */
sealed interface StoreRecord {

  /** The record's key bytes. */
  byte[] key();

  /** The record's value bytes, null for a tombstone. */
  byte[] value();

  /** A version of a subject, live or soft-deleted. */
  record SchemaEntry(String subject, int version, int id, String schema, boolean deleted)
      implements StoreRecord {
    public SchemaEntry {
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(schema, "schema");
    }

    /** The same version marked soft-deleted. */
    SchemaEntry softDeleted() {
      return new SchemaEntry(subject, version, id, schema, true);
    }

    @Override
    public byte[] key() {
      return schemaKey(subject, version);
    }

    @Override
    public byte[] value() {
      ObjectNode v = JSON.createObjectNode();
      v.put("subject", subject).put("version", version).put("id", id).put("schema", schema)
          .put("deleted", deleted);
      return bytes(v);
    }
  }

  /** A hard-deleted version (tombstone). */
  record SchemaRemoved(String subject, int version) implements StoreRecord {
    @Override
    public byte[] key() {
      return schemaKey(subject, version);
    }

    @Override
    public byte[] value() {
      return null;
    }
  }

  /** The compatibility level of one subject, or the global one when subject is null. */
  record ConfigEntry(String subject, CompatibilityLevel level) implements StoreRecord {
    public ConfigEntry {
      Objects.requireNonNull(level, "level");
    }

    @Override
    public byte[] key() {
      return configKey(subject);
    }

    @Override
    public byte[] value() {
      return bytes(JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }
  }

  /** A removed subject-level compatibility (tombstone). */
  record ConfigRemoved(String subject) implements StoreRecord {
    @Override
    public byte[] key() {
      return configKey(subject);
    }

    @Override
    public byte[] value() {
      return null;
    }
  }

  /** Decodes a topic record; empty for key types this registry does not use. */
  static Optional<StoreRecord> decode(byte[] key, byte[] value) {
    if (key == null) {
      return Optional.empty();
    }
    try {
      JsonNode k = JSON.readTree(key);
      String subject = k.path("subject").isTextual() ? k.get("subject").asText() : null;
      switch (k.path("keytype").asText()) {
        case "SCHEMA" -> {
          int version = k.path("version").asInt();
          if (value == null) {
            return Optional.of(new SchemaRemoved(subject, version));
          }
          JsonNode v = JSON.readTree(value);
          return Optional.of(new SchemaEntry(subject, version, v.path("id").asInt(),
              v.path("schema").asText(), v.path("deleted").asBoolean(false)));
        }
        case "CONFIG" -> {
          if (value == null) {
            return Optional.of(new ConfigRemoved(subject));
          }
          String level = JSON.readTree(value).path("compatibilityLevel").asText();
          return Optional.of(new ConfigEntry(subject, CompatibilityLevel.parse(level)));
        }
        default -> {
          return Optional.empty();
        }
      }
    } catch (IOException | RuntimeException e) {
      // A record we cannot read (written by something else) must not stop the registry.
      return Optional.empty();
    }
  }

  /** Shared JSON mapper (thread-safe once configured). */
  ObjectMapper JSON = new ObjectMapper();

  private static byte[] schemaKey(String subject, int version) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
    return bytes(k);
  }

  private static byte[] configKey(String subject) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "CONFIG");
    if (subject == null) {
      k.putNull("subject");
    } else {
      k.put("subject", subject);
    }
    k.put("magic", 0);
    return bytes(k);
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
