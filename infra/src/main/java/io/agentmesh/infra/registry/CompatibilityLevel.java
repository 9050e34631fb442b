package io.agentmesh.infra.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Confluent's compatibility levels, decided with Avro's own {@link SchemaCompatibility}.
 *
 * <p>BACKWARD: the new schema can read data written with the previous ones. FORWARD: the previous
 * schemas can read data written with the new one. FULL: both. Plain levels check the latest live
 * version only; the _TRANSITIVE variants check every live version.
 */
enum CompatibilityLevel {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  /** The level a registry uses until one is set. */
  static final CompatibilityLevel DEFAULT = BACKWARD;

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Parses a level name, case-insensitively; 42203 when unknown. */
  static CompatibilityLevel parse(String name) {
    if (name != null) {
      for (CompatibilityLevel level : values()) {
        if (level.name().equalsIgnoreCase(name.trim())) {
          return level;
        }
      }
    }
    throw RegistryException.invalidCompatibility(name);
  }

  /**
   * The incompatibilities of {@code candidate} against {@code previous} (oldest first); empty
   * when compatible. Only the newest is checked unless the level is transitive.
   */
  List<String> problems(Schema candidate, List<Schema> previous) {
    List<String> problems = new ArrayList<>();
    if (previous.isEmpty()) {
      return problems;
    }
    List<Schema> against = transitive ? previous : List.of(previous.getLast());
    for (Schema old : against) {
      problems.addAll(problemsAgainst(candidate, old));
    }
    return problems;
  }

  /** The incompatibilities of {@code candidate} against one existing schema, in this level's directions. */
  List<String> problemsAgainst(Schema candidate, Schema existing) {
    List<String> problems = new ArrayList<>();
    if (backward) {
      describe(candidate, existing, "BACKWARD", problems);
    }
    if (forward) {
      describe(existing, candidate, "FORWARD", problems);
    }
    return problems;
  }

  private static void describe(Schema reader, Schema writer, String direction, List<String> out) {
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    List<Incompatibility> found = result.getResult().getIncompatibilities();
    if (found.isEmpty()) {
      out.add(direction + ": " + result.getDescription());
    }
    for (Incompatibility i : found) {
      out.add("{direction:" + direction + ", type:" + i.getType() + ", location:" + i.getLocation()
          + ", message:" + i.getMessage() + "}");
    }
  }
}
