package io.agentmesh.infra.registry;

import io.agentmesh.infra.registry.StoreRecord.ConfigEntry;
import io.agentmesh.infra.registry.StoreRecord.ConfigRemoved;
import io.agentmesh.infra.registry.StoreRecord.SchemaEntry;
import io.agentmesh.infra.registry.StoreRecord.SchemaRemoved;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.avro.Schema;

/**
 * The registry's operations, with Confluent's semantics and error codes.
 *
 * <p>Reads come from the in-memory view. Writes are decided under one lock per instance, written
 * to the log and acknowledged once read back. Methods block (on Kafka), so callers run them off
 * the event loop.
 */
final class RegistryService {

  /** The one schema type this registry supports. */
  static final String AVRO = "AVRO";

  private final RegistryState state;
  private final SchemaLog log;
  private final ReentrantLock writeLock = new ReentrantLock();

  RegistryService(RegistryState state, SchemaLog log) {
    this.state = state;
    this.log = log;
  }

  /** A version as returned to clients. */
  record Version(String subject, int version, int id, String schema) {
    static Version of(SchemaEntry e) {
      return new Version(e.subject(), e.version(), e.id(), e.schema());
    }
  }

  /** Registers a schema under a subject and returns its global id (the existing one if already there). */
  int register(String subject, String schemaText, String schemaType, boolean hasReferences) {
    Schema schema = parse(schemaText, schemaType, hasReferences);
    String canonical = schema.toString();
    writeLock.lock();
    try {
      List<SchemaEntry> live = state.versions(subject, false);
      for (SchemaEntry e : live) {
        if (e.schema().equals(canonical)) {
          return e.id();
        }
      }
      CompatibilityLevel level = state.effectiveLevel(subject);
      List<String> problems = level.problems(schema, parseAll(live));
      if (!problems.isEmpty()) {
        throw RegistryException.incompatible("Schema being registered is incompatible with an earlier "
            + "schema for subject \"" + subject + "\" (compatibility " + level + "), details: " + problems);
      }
      int id = state.idOf(canonical).orElseGet(state::nextId);
      int version = state.highestVersion(subject) + 1;
      log.append(new SchemaEntry(subject, version, id, canonical, false));
      SchemaEntry stored = state.version(subject, version)
          .orElseThrow(() -> RegistryException.storeError("version " + version + " of '" + subject
              + "' vanished after writing it", null));
      if (stored.id() != id || !stored.schema().equals(canonical)) {
        throw RegistryException.storeError("another registry instance wrote version " + version
            + " of '" + subject + "' at the same time; retry", null);
      }
      return id;
    } finally {
      writeLock.unlock();
    }
  }

  /** The version of a subject that holds this schema (lookup). */
  Version lookup(String subject, String schemaText, String schemaType, boolean hasReferences,
      boolean includeDeleted) {
    String canonical = parse(schemaText, schemaType, hasReferences).toString();
    List<SchemaEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    return versions.stream().filter(e -> e.schema().equals(canonical)).reduce((a, b) -> b)
        .map(Version::of)
        .orElseThrow(() -> RegistryException.schemaNotFound("no such schema under subject '" + subject + "'"));
  }

  /** The schema text of a global id. */
  String schemaById(int id) {
    return state.schema(id).orElseThrow(() -> RegistryException.schemaNotFound("id " + id));
  }

  /** The subject/version pairs that use an id. */
  List<Version> usesOf(int id, boolean includeDeleted) {
    schemaById(id);
    return state.usesOf(id, includeDeleted).stream().map(Version::of).toList();
  }

  /** Subject names. */
  List<String> subjects(boolean includeDeleted) {
    return state.subjects(includeDeleted);
  }

  /** Version numbers of a subject. */
  List<Integer> versions(String subject, boolean includeDeleted) {
    List<SchemaEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    return versions.stream().map(SchemaEntry::version).toList();
  }

  /** One version of a subject, given as a number, {@code latest} or -1. */
  Version version(String subject, String versionText, boolean includeDeleted) {
    return Version.of(entry(subject, versionText, includeDeleted));
  }

  /** Whether a schema is compatible with one version of a subject (or all, when version is null). */
  List<String> compatibility(String subject, String versionText, String schemaText, String schemaType,
      boolean hasReferences) {
    Schema schema = parse(schemaText, schemaType, hasReferences);
    CompatibilityLevel level = state.effectiveLevel(subject);
    List<SchemaEntry> live = state.versions(subject, false);
    if (versionText == null) {
      return level.problems(schema, parseAll(live));
    }
    int wanted = parseVersion(versionText);
    if (wanted == -1 && live.isEmpty()) {
      return List.of(); // nothing registered yet: anything is compatible
    }
    SchemaEntry existing = entry(subject, versionText, false);
    return level.problemsAgainst(schema, parse(existing.schema(), AVRO, false));
  }

  /** The global compatibility level. */
  CompatibilityLevel globalLevel() {
    return state.globalLevel();
  }

  /** A subject's own level; the global one when asked to fall back, else 40408. */
  CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
    Optional<CompatibilityLevel> own = state.subjectLevel(subject);
    if (own.isPresent()) {
      return own.get();
    }
    if (defaultToGlobal) {
      return state.globalLevel();
    }
    throw RegistryException.subjectConfigNotFound(subject);
  }

  /** Sets the global level (subject null) or a subject's level. */
  CompatibilityLevel setLevel(String subject, String levelText) {
    CompatibilityLevel level = CompatibilityLevel.parse(levelText);
    writeLock.lock();
    try {
      log.append(new ConfigEntry(subject, level));
    } finally {
      writeLock.unlock();
    }
    return level;
  }

  /** Removes a subject's own level and returns the one it had (40408 when none). */
  CompatibilityLevel deleteSubjectLevel(String subject) {
    writeLock.lock();
    try {
      CompatibilityLevel previous = state.subjectLevel(subject)
          .orElseThrow(() -> RegistryException.subjectConfigNotFound(subject));
      log.append(new ConfigRemoved(subject));
      return previous;
    } finally {
      writeLock.unlock();
    }
  }

  /** Soft-deletes one version, or hard-deletes an already soft-deleted one; returns its number. */
  int deleteVersion(String subject, String versionText, boolean permanent) {
    writeLock.lock();
    try {
      SchemaEntry e = entry(subject, versionText, permanent);
      if (permanent) {
        if (!e.deleted()) {
          throw RegistryException.versionNotSoftDeleted(subject, e.version());
        }
        log.append(new SchemaRemoved(subject, e.version()));
      } else {
        log.append(e.softDeleted());
      }
      return e.version();
    } finally {
      writeLock.unlock();
    }
  }

  /** Soft-deletes every version of a subject, or hard-deletes a soft-deleted subject; returns the versions. */
  List<Integer> deleteSubject(String subject, boolean permanent) {
    writeLock.lock();
    try {
      List<SchemaEntry> all = state.versions(subject, true);
      if (all.isEmpty()) {
        throw RegistryException.subjectNotFound(subject);
      }
      List<SchemaEntry> live = all.stream().filter(e -> !e.deleted()).toList();
      List<Integer> done = new ArrayList<>();
      if (permanent) {
        if (!live.isEmpty()) {
          throw RegistryException.subjectNotSoftDeleted(subject);
        }
        for (SchemaEntry e : all) {
          log.append(new SchemaRemoved(subject, e.version()));
          done.add(e.version());
        }
        if (state.subjectLevel(subject).isPresent()) {
          log.append(new ConfigRemoved(subject));
        }
      } else {
        if (live.isEmpty()) {
          throw RegistryException.subjectSoftDeleted(subject);
        }
        for (SchemaEntry e : live) {
          log.append(e.softDeleted());
          done.add(e.version());
        }
      }
      return done;
    } finally {
      writeLock.unlock();
    }
  }

  private SchemaEntry entry(String subject, String versionText, boolean includeDeleted) {
    int wanted = parseVersion(versionText);
    List<SchemaEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    if (wanted == -1) {
      return versions.getLast();
    }
    Optional<SchemaEntry> found = state.version(subject, wanted);
    if (found.isEmpty()) {
      throw RegistryException.versionNotFound(subject, wanted);
    }
    if (found.get().deleted() && !includeDeleted) {
      throw RegistryException.versionNotFound(subject, wanted);
    }
    return found.get();
  }

  /** Parses {@code latest}, -1 or a positive version number; 42202 otherwise. */
  static int parseVersion(String text) {
    if ("latest".equalsIgnoreCase(text)) {
      return -1;
    }
    try {
      int v = Integer.parseInt(text);
      if (v == -1 || v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through to 42202
    }
    throw RegistryException.invalidVersion(text);
  }

  /** Parses an Avro schema; 42201 naming the parse problem, or an unsupported type or references. */
  static Schema parse(String text, String schemaType, boolean hasReferences) {
    if (schemaType != null && !AVRO.equalsIgnoreCase(schemaType)) {
      throw new RegistryException(42201, "Invalid schema: schemaType " + schemaType
          + " is not supported by this registry; only AVRO is.");
    }
    if (hasReferences) {
      throw RegistryException.invalidSchema("schema references are not supported by this registry.");
    }
    if (text == null || text.isBlank()) {
      throw RegistryException.invalidSchema("the request has no \"schema\".");
    }
    try {
      return new Schema.Parser().parse(text);
    } catch (RuntimeException e) {
      throw RegistryException.invalidSchema(e.getMessage());
    }
  }

  private static List<Schema> parseAll(List<SchemaEntry> entries) {
    return entries.stream().map(e -> parse(e.schema(), AVRO, false)).toList();
  }
}
