package io.agentmesh.infra.registry;

import io.agentmesh.infra.registry.StoreRecord.ConfigEntry;
import io.agentmesh.infra.registry.StoreRecord.ConfigRemoved;
import io.agentmesh.infra.registry.StoreRecord.SchemaEntry;
import io.agentmesh.infra.registry.StoreRecord.SchemaRemoved;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry's in-memory view, rebuilt from the {@code _schemas} topic in offset order.
 *
 * <p>Every instance that reads the same topic reaches the same view. An id is bound to the first
 * schema the log gives it: a later record that would bind the same id to another schema (two
 * instances writing at once) is ignored everywhere alike, and its writer sees that on read-back.
 * All methods are synchronized; each is a short in-memory step.
 */
final class RegistryState {

  private final Map<String, TreeMap<Integer, SchemaEntry>> subjects = new HashMap<>();
  private final Map<Integer, String> schemaById = new HashMap<>();
  private final Map<String, Integer> idBySchema = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel = CompatibilityLevel.DEFAULT;
  private int maxId;

  /** Applies one record read from the topic. */
  synchronized void apply(StoreRecord record) {
    switch (record) {
      case SchemaEntry e -> applySchema(e);
      case SchemaRemoved r -> removeVersion(r.subject(), r.version());
      case ConfigEntry c when c.subject() == null -> globalLevel = c.level();
      case ConfigEntry c -> subjectLevels.put(c.subject(), c.level());
      case ConfigRemoved c when c.subject() == null -> globalLevel = CompatibilityLevel.DEFAULT;
      case ConfigRemoved c -> subjectLevels.remove(c.subject());
    }
  }

  private void applySchema(SchemaEntry e) {
    String bound = schemaById.get(e.id());
    if (bound != null && !bound.equals(e.schema())) {
      return; // the id already belongs to another schema: first writer wins
    }
    schemaById.put(e.id(), e.schema());
    idBySchema.putIfAbsent(e.schema(), e.id());
    maxId = Math.max(maxId, e.id());
    subjects.computeIfAbsent(e.subject(), s -> new TreeMap<>()).put(e.version(), e);
  }

  private void removeVersion(String subject, int version) {
    TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
    if (versions == null) {
      return;
    }
    SchemaEntry removed = versions.remove(version);
    if (versions.isEmpty()) {
      subjects.remove(subject);
    }
    if (removed != null && !isReferenced(removed.id())) {
      schemaById.remove(removed.id());
      idBySchema.remove(removed.schema(), removed.id());
    }
  }

  private boolean isReferenced(int id) {
    return subjects.values().stream().flatMap(v -> v.values().stream()).anyMatch(e -> e.id() == id);
  }

  /** The versions of a subject in order, soft-deleted ones only when asked. */
  synchronized List<SchemaEntry> versions(String subject, boolean includeDeleted) {
    TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
    if (versions == null) {
      return List.of();
    }
    return versions.values().stream().filter(e -> includeDeleted || !e.deleted()).toList();
  }

  /** One version of a subject, live or soft-deleted. */
  synchronized Optional<SchemaEntry> version(String subject, int version) {
    TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
    return Optional.ofNullable(versions == null ? null : versions.get(version));
  }

  /** The highest version number a subject ever had in the view (0 if none). */
  synchronized int highestVersion(String subject) {
    TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
    return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
  }

  /** Subject names, sorted; those with only soft-deleted versions only when asked. */
  synchronized List<String> subjects(boolean includeDeleted) {
    List<String> names = new ArrayList<>();
    subjects.forEach((name, versions) -> {
      if (includeDeleted || versions.values().stream().anyMatch(e -> !e.deleted())) {
        names.add(name);
      }
    });
    names.sort(null);
    return names;
  }

  /** The schema text bound to an id. */
  synchronized Optional<String> schema(int id) {
    return Optional.ofNullable(schemaById.get(id));
  }

  /** The id already bound to this canonical schema text. */
  synchronized Optional<Integer> idOf(String canonicalSchema) {
    return Optional.ofNullable(idBySchema.get(canonicalSchema));
  }

  /** The (subject, version) pairs that use an id, live ones only unless asked. */
  synchronized List<SchemaEntry> usesOf(int id, boolean includeDeleted) {
    return subjects.values().stream().flatMap(v -> v.values().stream())
        .filter(e -> e.id() == id && (includeDeleted || !e.deleted())).toList();
  }

  /** The next unused id. */
  synchronized int nextId() {
    return maxId + 1;
  }

  /** The global compatibility level. */
  synchronized CompatibilityLevel globalLevel() {
    return globalLevel;
  }

  /** The subject-level compatibility, if one is set. */
  synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  /** The level that governs a subject: its own, else the global one. */
  synchronized CompatibilityLevel effectiveLevel(String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }
}
