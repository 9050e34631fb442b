package io.agentmesh.core.wire;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one place topic and consumer-group names are made (docs/wire-format.md).
 *
 * <p>For prefix {@code mesh} and graph {@code g}: {@code mesh.g.ingress}, {@code mesh.g.edge.<from>.<to>},
 * {@code mesh.g.results}, {@code mesh.g.events}, {@code mesh.g.dlq.<node>}, and consumer group
 * {@code mesh.g.<node>} per node. Graph and node names may not contain dots, so every name parses
 * back unambiguously; with names capped at {@link #MAX_NAME_LENGTH} every topic stays under Kafka's
 * 249-character limit.
 */
public final class TopicNames {

  /** Prefix used when the deployment spec names none. */
  public static final String DEFAULT_PREFIX = "mesh";
  /** Longest graph or node name. */
  public static final int MAX_NAME_LENGTH = 80;
  /** Longest prefix. */
  public static final int MAX_PREFIX_LENGTH = 40;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]+");

  private final String base;

  private TopicNames(String prefix, String graph) {
    this.base = prefix + "." + graph + ".";
  }

  /** Names for {@code graph} under {@code prefix}; throws IllegalArgumentException for an illegal name. */
  public static TopicNames of(String prefix, String graph) {
    checkPrefix(prefix).ifPresent(msg -> {
      throw new IllegalArgumentException(msg);
    });
    checkName("graph", graph).ifPresent(msg -> {
      throw new IllegalArgumentException(msg);
    });
    return new TopicNames(prefix, graph);
  }

  /**
   * The names of the graph that owns dead-letter topic {@code topic} ({@code <prefix>.<graph>.dlq.<node>}),
   * read back from it; throws IllegalArgumentException, saying what shape was expected, for any other topic.
   */
  public static TopicNames ofDeadLetterTopic(String topic) {
    int dlq = topic == null ? -1 : topic.lastIndexOf(".dlq.");
    int graphAt = dlq <= 0 ? -1 : topic.lastIndexOf('.', dlq - 1);
    if (graphAt <= 0 || checkName("node", topic.substring(dlq + 5)).isPresent()) {
      throw new IllegalArgumentException("'" + topic + "' is not a dead-letter topic (<prefix>.<graph>.dlq.<node>)");
    }
    return of(topic.substring(0, graphAt), topic.substring(graphAt + 1, dlq));
  }

  /** Names for {@code graph} under {@link #DEFAULT_PREFIX}. */
  public static TopicNames of(String graph) {
    return of(DEFAULT_PREFIX, graph);
  }

  /**
   * Why {@code name} cannot name a graph or node ({@code kind} says which), or empty when it can:
   * 1 to {@value #MAX_NAME_LENGTH} of letters, digits, '_' and '-'.
   */
  public static Optional<String> checkName(String kind, String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of(kind + " name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return Optional.of(kind + " name '" + name + "' is longer than " + MAX_NAME_LENGTH + " characters");
    }
    if (!NAME.matcher(name).matches()) {
      return Optional.of(kind + " name '" + name
          + "' may only contain letters, digits, '_' and '-' (it becomes part of Kafka topic names)");
    }
    return Optional.empty();
  }

  /** Why {@code prefix} cannot prefix topic names, or empty when it can. */
  public static Optional<String> checkPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.length() > MAX_PREFIX_LENGTH
        || !PREFIX.matcher(prefix).matches() || prefix.startsWith(".") || prefix.endsWith(".")) {
      return Optional.of("topic prefix '" + prefix + "' must be 1 to " + MAX_PREFIX_LENGTH
          + " letters, digits, '.', '_' or '-', not starting or ending with '.'");
    }
    return Optional.empty();
  }

  /** Where tasks enter the graph. */
  public String ingress() {
    return base + "ingress";
  }

  /** The topic of the edge from {@code from} to {@code to}. */
  public String edge(String from, String to) {
    return base + "edge." + node(from) + "." + node(to);
  }

  /** Terminal results and failures of runs. */
  public String results() {
    return base + "results";
  }

  /** Run lifecycle events. */
  public String events() {
    return base + "events";
  }

  /** Dead letters of {@code node}. */
  public String dlq(String node) {
    return base + "dlq." + node(node);
  }

  /** What every dead-letter topic of the graph starts with (followed by the node's name). */
  public String dlqPrefix() {
    return base + "dlq.";
  }

  /** The consumer group of {@code node}'s replicas. */
  public String group(String node) {
    return base + node(node);
  }

  private static String node(String name) {
    Objects.requireNonNull(name, "node");
    checkName("node", name).ifPresent(msg -> {
      throw new IllegalArgumentException(msg);
    });
    return name;
  }
}
