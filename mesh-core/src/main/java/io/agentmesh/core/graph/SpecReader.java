package io.agentmesh.core.graph;

import io.agentmesh.core.wire.TopicNames;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Maps deploy.yaml to a {@link DeploymentSpec} and checks it against its graph. */
final class SpecReader {

  private SpecReader() {}

  static DeploymentSpec read(YamlObject root, Problems problems) {
    String prefix = root.text("topicPrefix").orElse(TopicNames.DEFAULT_PREFIX);
    DeploymentSpec.TopicDefaults topics = root.object("topics", null).map(t -> {
      var d = new DeploymentSpec.TopicDefaults(
          t.integer("partitions").orElse(DeploymentSpec.TopicDefaults.DEFAULT.partitions()),
          (short) t.integer("replication").orElse(DeploymentSpec.TopicDefaults.DEFAULT.replicationFactor()));
      t.finish();
      return d;
    }).orElse(DeploymentSpec.TopicDefaults.DEFAULT);
    Map<String, DeploymentSpec.NodeDeployment> nodes = new LinkedHashMap<>();
    root.namedObjects("nodes", true).forEach((name, n) -> {
      var resources = n.object("resources", name).map(r -> {
        var res = new DeploymentSpec.Resources(r.text("cpu"), r.text("memory"));
        r.finish();
        return res;
      }).orElse(DeploymentSpec.Resources.NONE);
      nodes.put(name, new DeploymentSpec.NodeDeployment(
          n.integer("replicas").orElse(1),
          n.integer("maxInFlight").orElse(DeploymentSpec.NodeDeployment.DEFAULT_MAX_IN_FLIGHT),
          n.integer("partitions"), resources));
      n.finish();
    });
    List<DeploymentSpec.ProcessGroup> processes = root.objectList("processes").stream().map(p -> {
      var group = new DeploymentSpec.ProcessGroup(p.requiredText("name"), p.textList("nodes"));
      p.finish();
      return group;
    }).toList();
    DeploymentSpec.Endpoints endpoints = root.object("endpoints", null).map(e -> {
      var ends = new DeploymentSpec.Endpoints(e.text("kafka"), uri(e, "redis"), uri(e, "registry"));
      e.finish();
      return ends;
    }).orElse(DeploymentSpec.Endpoints.EMBEDDED);
    DeploymentSpec.Delivery delivery = root.text("delivery").flatMap(name -> {
      Optional<DeploymentSpec.Delivery> known = DeploymentSpec.Delivery.fromYaml(name);
      if (known.isEmpty()) {
        root.problem("delivery", "'delivery' must be 'exactly-once' or 'at-least-once', was '" + name + "'");
      }
      return known;
    }).orElse(DeploymentSpec.Delivery.EXACTLY_ONCE);
    root.finish();
    return new DeploymentSpec(prefix, topics, nodes, processes, endpoints, delivery);
  }

  private static Optional<URI> uri(YamlObject o, String key) {
    return o.text(key).flatMap(text -> {
      try {
        URI uri = new URI(text);
        if (uri.getScheme() == null) {
          o.problem(key, "'" + key + "' must be an absolute URI, was '" + text + "'");
          return Optional.empty();
        }
        return Optional.of(uri);
      } catch (java.net.URISyntaxException ex) {
        o.problem(key, "'" + key + "' is not a valid URI: " + ex.getMessage());
        return Optional.empty();
      }
    });
  }

  /**
   * Why {@code name} names no node: a plain name must be a node of {@code graph}, a qualified one
   * ({@code <sub-graph>.<node>}) a node of one of the graphs below it.
   */
  private static Optional<String> unknownNode(String name, Graph graph) {
    int dot = name.indexOf(DeploymentSpec.SUB_GRAPH_SEPARATOR);
    if (dot < 0) {
      return graph.nodes().containsKey(name) ? Optional.empty() : Optional.of("unknown node '" + name + "': graph '"
          + graph.name() + "' has " + String.join(", ", graph.nodes().keySet())
          + (graph.subGraphs().isEmpty() ? "" : " (a sub-graph's node is written <sub-graph>.<node>)"));
    }
    String childName = name.substring(0, dot);
    String node = name.substring(dot + 1);
    Graph child = graph.subGraphs().get(childName);
    if (child == null) {
      return Optional.of("unknown node '" + name + "': '" + childName + "' is not a sub-graph of graph '" + graph.name()
          + "'" + (graph.subGraphs().isEmpty() ? " (it has none)"
              : " (its sub-graphs: " + String.join(", ", graph.subGraphs().keySet()) + ")"));
    }
    if (!child.nodes().containsKey(node)) {
      return Optional.of("unknown node '" + name + "': sub-graph '" + childName + "' has "
          + String.join(", ", child.nodes().keySet()));
    }
    return Optional.empty();
  }

  /** Checks names, ranges and that every node named exists in {@code graph} and sits in at most one process. */
  static void check(DeploymentSpec spec, Graph graph, Problems problems) {
    TopicNames.checkPrefix(spec.topicPrefix()).ifPresent(msg -> problems.add("topicPrefix", msg));
    if (spec.topics().partitions() < 1) {
      problems.add("topics.partitions", "topic partitions must be at least 1, was " + spec.topics().partitions());
    }
    if (spec.topics().replicationFactor() < 1) {
      problems.add("topics.replication", "replication must be at least 1, was " + spec.topics().replicationFactor());
    }
    spec.nodes().forEach((name, n) -> {
      String path = "nodes." + name;
      unknownNode(name, graph).ifPresent(msg -> problems.add(path, name, msg));
      if (n.replicas() < 1) {
        problems.add(path + ".replicas", name, "replicas must be at least 1, was " + n.replicas());
      }
      if (n.maxInFlight() < 1) {
        problems.add(path + ".maxInFlight", name, "maxInFlight must be at least 1, was " + n.maxInFlight());
      }
      n.partitions().ifPresent(p -> {
        if (p < 1) {
          problems.add(path + ".partitions", name, "partitions must be at least 1, was " + p);
        }
      });
    });
    Map<String, String> processOf = new HashMap<>();
    java.util.Set<String> processNames = new java.util.HashSet<>();
    for (int i = 0; i < spec.processes().size(); i++) {
      DeploymentSpec.ProcessGroup group = spec.processes().get(i);
      String path = "processes[" + i + "]";
      TopicNames.checkName("process", group.name()).ifPresent(msg -> problems.add(path + ".name", msg));
      if (!processNames.add(group.name())) {
        problems.add(path + ".name", "duplicate process name '" + group.name() + "'");
      }
      if (group.nodes().isEmpty()) {
        problems.add(path + ".nodes", "process '" + group.name() + "' lists no nodes");
      }
      for (String node : group.nodes()) {
        if (!graph.nodes().containsKey(node)) {
          problems.add(path + ".nodes", node, "process '" + group.name() + "' names unknown node '" + node + "'"
              + (node.contains(DeploymentSpec.SUB_GRAPH_SEPARATOR) ? " (a sub-graph's nodes each run in a process of their own)" : ""));
        }
        String previous = processOf.putIfAbsent(node, group.name());
        if (previous != null) {
          problems.add(path + ".nodes", node, "node is in two processes: '" + previous + "' and '" + group.name() + "'");
        }
      }
    }
  }
}
