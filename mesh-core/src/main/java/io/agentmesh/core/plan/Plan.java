package io.agentmesh.core.plan;

import io.agentmesh.core.graph.DeploymentSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the compiler makes of a graph and a deployment spec: the topics to exist, one consumer group
 * per node with its inbound topics and outbound edges, model bindings and process groups, and the
 * plan of every sub-graph its {@code type: graph} nodes run (each on its own topics, docs/decisions.md
 * D-entry "sub-graphs in the parent's plan"). Immutable; render it with {@link PlanPrinter}, apply
 * its topics (the sub-graphs' included) with {@link PlanApplier}.
 *
 * @param graph graph name
 * @param version graph version ("" when none)
 * @param topicPrefix prefix of every topic
 * @param topics every topic, ingress first
 * @param groups one per node, in graph order
 * @param models model bindings by model name
 * @param processes co-location: which nodes run in which process (every node in exactly one)
 * @param warnings things that work but are probably not meant (e.g. more replicas than partitions)
 * @param subGraphs the plans of the child graphs this graph's {@code graph} nodes run, one per child
 *     graph (a child used by two nodes is compiled once), in graph order
 * @param delivery how the workers publish and commit (deploy.yaml {@code delivery}, D-020)
 */
public record Plan(
    String graph,
    String version,
    String topicPrefix,
    List<TopicPlan> topics,
    List<GroupPlan> groups,
    Map<String, ModelBinding> models,
    List<ProcessPlan> processes,
    List<String> warnings,
    List<SubGraphPlan> subGraphs,
    DeploymentSpec.Delivery delivery) {

  public Plan {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    topics = List.copyOf(topics);
    groups = List.copyOf(groups);
    models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
    processes = List.copyOf(processes);
    warnings = List.copyOf(warnings);
    subGraphs = List.copyOf(subGraphs);
    Objects.requireNonNull(delivery, "delivery");
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

  /** The plan of the child graph that {@code node} (a {@code graph} node) runs, or empty for any other node. */
  public Optional<Plan> subGraph(String node) {
    return subGraphs.stream().filter(s -> s.nodes().contains(node)).map(SubGraphPlan::plan).findFirst();
  }

  /**
   * This plan, then the plan of every graph below it (children, grandchildren, ...) depth first,
   * each graph once even when several nodes run it.
   */
  public List<Plan> allPlans() {
    Map<String, Plan> out = new LinkedHashMap<>();
    collect(this, out);
    return List.copyOf(out.values());
  }

  private static void collect(Plan plan, Map<String, Plan> out) {
    if (out.putIfAbsent(plan.graph(), plan) == null) {
      plan.subGraphs().forEach(s -> collect(s.plan(), out));
    }
  }

  /** Every topic of this plan and of its sub-graphs' plans, each once, this graph's first. */
  public List<TopicPlan> allTopics() {
    Map<String, TopicPlan> out = new LinkedHashMap<>();
    allPlans().forEach(p -> p.topics().forEach(t -> out.putIfAbsent(t.name(), t)));
    return List.copyOf(out.values());
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

  /**
   * A child graph run by {@code graph} nodes of this plan's graph, compiled to its own topics.
   *
   * @param nodes the nodes of this plan's graph that run it
   * @param plan the child graph's plan (topics named after the child graph)
   */
  public record SubGraphPlan(List<String> nodes, Plan plan) {
    public SubGraphPlan {
      nodes = List.copyOf(nodes);
      Objects.requireNonNull(plan, "plan");
    }
  }
}
