package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML mapping read member by member: each accessor records a problem (with position) instead of
 * throwing, and {@link #finish()} reports every member nobody asked for as unknown.
 */
final class YamlObject {

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final JsonNode node;
  private final String path;
  private final Problems problems;
  private final String nodeName;
  private final Set<String> read = new HashSet<>();

  YamlObject(JsonNode node, String path, Problems problems, String nodeName) {
    this.node = node;
    this.path = path;
    this.problems = problems;
    this.nodeName = nodeName;
  }

  String path() {
    return path;
  }

  String child(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return node.has(key) && !node.get(key).isNull();
  }

  void problem(String key, String message) {
    problems.add(key == null ? path : child(key), nodeName, message);
  }

  Optional<JsonNode> raw(String key) {
    read.add(key);
    JsonNode value = node.get(key);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
  }

  Optional<String> text(String key) {
    return raw(key).flatMap(v -> {
      if (v.isValueNode()) {
        return Optional.of(v.asText());
      }
      problem(key, "'" + key + "' must be a string");
      return Optional.empty();
    });
  }

  String requiredText(String key) {
    Optional<String> value = text(key);
    if (value.isEmpty() && !node.has(key)) {
      problem(null, "missing required '" + key + "'");
    }
    return value.orElse("");
  }

  OptionalInt integer(String key) {
    Optional<JsonNode> value = raw(key);
    if (value.isEmpty()) {
      return OptionalInt.empty();
    }
    if (value.get().isIntegralNumber() && value.get().canConvertToInt()) {
      return OptionalInt.of(value.get().intValue());
    }
    problem(key, "'" + key + "' must be a whole number, was '" + value.get().asText() + "'");
    return OptionalInt.empty();
  }

  OptionalLong longInteger(String key) {
    Optional<JsonNode> value = raw(key);
    if (value.isEmpty()) {
      return OptionalLong.empty();
    }
    if (value.get().isIntegralNumber() && value.get().canConvertToLong()) {
      return OptionalLong.of(value.get().longValue());
    }
    problem(key, "'" + key + "' must be a whole number, was '" + value.get().asText() + "'");
    return OptionalLong.empty();
  }

  OptionalDouble decimal(String key) {
    Optional<JsonNode> value = raw(key);
    if (value.isEmpty()) {
      return OptionalDouble.empty();
    }
    if (value.get().isNumber()) {
      return OptionalDouble.of(value.get().doubleValue());
    }
    problem(key, "'" + key + "' must be a number, was '" + value.get().asText() + "'");
    return OptionalDouble.empty();
  }

  boolean bool(String key) {
    Optional<JsonNode> value = raw(key);
    if (value.isEmpty()) {
      return false;
    }
    if (value.get().isBoolean()) {
      return value.get().booleanValue();
    }
    problem(key, "'" + key + "' must be true or false, was '" + value.get().asText() + "'");
    return false;
  }

  Optional<Duration> duration(String key) {
    return text(key).flatMap(text -> {
      Optional<Duration> parsed = parseDuration(text);
      if (parsed.isEmpty()) {
        problem(key, "'" + key + "' must be a duration like 500ms, 30s, 5m, 2h, 1d or PT30S, was '" + text + "'");
      }
      return parsed;
    });
  }

  static Optional<Duration> parseDuration(String text) {
    Matcher m = SHORT_DURATION.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return Optional.of(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    try {
      return Optional.of(Duration.parse(text.trim()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** A list of strings; a single string is taken as a one-element list. */
  List<String> textList(String key) {
    Optional<JsonNode> value = raw(key);
    if (value.isEmpty()) {
      return List.of();
    }
    if (value.get().isValueNode()) {
      return List.of(value.get().asText());
    }
    List<String> out = new ArrayList<>();
    if (value.get().isArray()) {
      for (JsonNode item : value.get()) {
        if (item.isValueNode() && !item.isNull()) {
          out.add(item.asText());
        } else {
          problem(key, "'" + key + "' must be a list of strings");
        }
      }
      return out;
    }
    problem(key, "'" + key + "' must be a string or a list of strings");
    return List.of();
  }

  Optional<YamlObject> object(String key, String nodeName) {
    return raw(key).flatMap(v -> {
      if (v.isObject()) {
        return Optional.of(new YamlObject(v, child(key), problems, nodeName));
      }
      problem(key, "'" + key + "' must be a mapping");
      return Optional.empty();
    });
  }

  /** A mapping of name to mapping, in document order. */
  Map<String, YamlObject> namedObjects(String key, boolean namesAreNodes) {
    Map<String, YamlObject> out = new LinkedHashMap<>();
    raw(key).ifPresent(v -> {
      if (!v.isObject()) {
        problem(key, "'" + key + "' must be a mapping of names to definitions");
        return;
      }
      v.properties().forEach(e -> {
        String childPath = child(key) + "." + e.getKey();
        if (e.getValue().isObject()) {
          out.put(e.getKey(), new YamlObject(e.getValue(), childPath, problems, namesAreNodes ? e.getKey() : null));
        } else {
          problems.add(childPath, namesAreNodes ? e.getKey() : null, "'" + e.getKey() + "' must be a mapping");
        }
      });
    });
    return out;
  }

  List<YamlObject> objectList(String key) {
    List<YamlObject> out = new ArrayList<>();
    raw(key).ifPresent(v -> {
      if (!v.isArray()) {
        problem(key, "'" + key + "' must be a list");
        return;
      }
      for (int i = 0; i < v.size(); i++) {
        String itemPath = child(key) + "[" + i + "]";
        if (v.get(i).isObject()) {
          out.add(new YamlObject(v.get(i), itemPath, problems, null));
        } else {
          problems.add(itemPath, "item " + i + " of '" + key + "' must be a mapping");
        }
      }
    });
    return out;
  }

  /** Reports every member not read as unknown, naming the members that are known. */
  void finish() {
    List<String> known = new ArrayList<>(read);
    known.sort(null);
    node.fieldNames().forEachRemaining(name -> {
      if (!read.contains(name)) {
        problems.add(child(name), nodeName, "unknown field '" + name + "'" + (path.isEmpty() ? "" : " in " + path)
            + " (known: " + String.join(", ", known) + ")");
      }
    });
  }
}
