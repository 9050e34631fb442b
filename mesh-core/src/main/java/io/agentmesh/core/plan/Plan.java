package io.agentmesh.core.plan;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the compiler makes of a graph and a deployment spec: the topics to exist, one consumer group
 * per node with its inbound topics and outbound edges, model bindings and process groups.
 * Immutable; render it with {@link PlanPrinter}, apply its topics with {@link PlanApplier}.
 *
 * @param graph graph name
 * @param version graph version ("" when none)
 * @param topicPrefix prefix of every topic
 * @param topics every topic, ingress first
 * @param groups one per node, in graph order
 * @param models model bindings by model name
 * @param processes co-location: which nodes run in which process (every node in exactly one)
 * @param warnings things that work but are probably not meant (e.g. more replicas than partitions)
 */
public record Plan(
    String graph,
    String version,
    String topicPrefix,
    List<TopicPlan> topics,
    List<GroupPlan> groups,
    Map<String, ModelBinding> models,
    List<ProcessPlan> processes,
    List<String> warnings) {

  public Plan {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    topics = List.copyOf(topics);
    groups = List.copyOf(groups);
    models = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(models));
    processes = List.copyOf(processes);
    warnings = List.copyOf(warnings);
  }

  /** The topic called {@code name}; throws IllegalArgumentException when the plan has none. */
  public TopicPlan topic(String name) {
    return topics.stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("plan has no topic '" + name + "'"));
  }

  /** The group of {@code node}; throws IllegalArgumentException when the plan has none. */
  public GroupPlan group(String node) {
    return groups.stream().filter(g -> g.node().equals(node)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("plan has no node '" + node + "'"));
  }

  /** What a topic carries. */
  public enum TopicRole { INGRESS, EDGE, RESULTS, EVENTS, DLQ }

  /**
   * A topic to exist.
   *
   * @param name topic name
   * @param role what it carries
   * @param partitions partition count
   * @param replicationFactor replication factor
   * @param config topic configs the mesh sets (e.g. retention of dead letters)
   */
  public record TopicPlan(String name, TopicRole role, int partitions, short replicationFactor, Map<String, String> config) {
    public TopicPlan {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      config = Map.copyOf(config);
    }
  }

  /**
   * A node's consumer group.
   *
   * @param node node name
   * @param type node type (llm, tool, java, router, join)
   * @param groupId Kafka consumer group id
   * @param inbound topics the group consumes
   * @param outbound edges the node produces to
   * @param deadLetterTopic the node's dead-letter topic
   * @param replicas replicas from the spec
   * @param maxInFlight in-flight limit per replica from the spec
   * @param cpu CPU request ("" when none)
   * @param memory memory request ("" when none)
   * @param model model the node calls ("" when none)
   */
  public record GroupPlan(
      String node,
      String type,
      String groupId,
      List<String> inbound,
      List<Outbound> outbound,
      String deadLetterTopic,
      int replicas,
      int maxInFlight,
      String cpu,
      String memory,
      String model) {
    public GroupPlan {
      inbound = List.copyOf(inbound);
      outbound = List.copyOf(outbound);
    }
  }

  /**
   * One outbound edge of a node.
   *
   * @param target target node, or END
   * @param topic topic of the edge; the results topic for END
   * @param condition CEL condition ("" when unconditional)
   * @param isDefault whether it is the node's default edge
   */
  public record Outbound(String target, String topic, String condition, boolean isDefault) {}

  /**
   * How a model is reached.
   *
   * @param name model name in the graph
   * @param baseUrl endpoint
   * @param modelId model id sent in requests
   * @param fallback fallback model name ("" when none)
   * @param usedBy nodes calling it
   */
  public record ModelBinding(String name, String baseUrl, String modelId, String fallback, List<String> usedBy) {
    public ModelBinding {
      usedBy = List.copyOf(usedBy);
    }
  }

  /**
   * A process and the nodes it runs.
   *
   * @param name process name (the node name for a node not co-located)
   * @param nodes node names
   */
  public record ProcessPlan(String name, List<String> nodes) {
    public ProcessPlan {
      nodes = List.copyOf(nodes);
    }
  }
}
