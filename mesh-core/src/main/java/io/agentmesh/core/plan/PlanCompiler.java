package io.agentmesh.core.plan;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Edge;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.graph.Node;
import io.agentmesh.core.graph.RouterNode;
import io.agentmesh.core.graph.SubGraphNode;
import io.agentmesh.core.wire.TopicNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a graph and a deployment spec into a {@link Plan}.
 *
 * <p>Topics: ingress (consumed by the START targets), one per edge target that is a node, results
 * (edges to END publish there), events, one dead-letter topic per node. A node's inbound topics get
 * the node's {@code partitions} from the spec, else the topic default; the ingress gets the largest
 * of its entry nodes'. Dead-letter topics keep 30 days so nothing is lost before someone looks.
 *
 * <p>Sub-graphs: each child graph run by a {@code graph} node is compiled too, with
 * {@link DeploymentSpec#forSubGraph} (the parent's prefix and topic defaults, its
 * {@code <child>.<node>} entries), into a plan of its own topics and groups named after the child
 * graph; a child run by two nodes is compiled once. The parent's {@code graph} node itself is a
 * group like any other: it writes the child's ingress and reads the child's results.
 */
public final class PlanCompiler {

  /** Retention of dead-letter topics. */
  public static final String DLQ_RETENTION_MS = Long.toString(java.time.Duration.ofDays(30).toMillis());

  private PlanCompiler() {}

  /** The plan for {@code graph} deployed with {@code spec}. */
  public static Plan compile(Graph graph, DeploymentSpec spec) {
    TopicNames names = TopicNames.of(spec.topicPrefix(), graph.name());
    short replication = spec.topics().replicationFactor();
    Map<String, Plan.TopicPlan> topics = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();

    int ingressPartitions = graph.entryNodes().stream()
        .mapToInt(n -> partitions(spec, n)).max().orElse(spec.topics().partitions());
    add(topics, new Plan.TopicPlan(names.ingress(), Plan.TopicRole.INGRESS, ingressPartitions, replication, Map.of()));
    for (Edge edge : graph.edges()) {
      if (edge.from().equals(Edge.START)) {
        continue;
      }
      for (String to : edge.to()) {
        if (!to.equals(Edge.END)) {
          add(topics, new Plan.TopicPlan(names.edge(edge.from(), to), Plan.TopicRole.EDGE,
              partitions(spec, to), replication, Map.of()));
        }
      }
    }
    add(topics, new Plan.TopicPlan(names.results(), Plan.TopicRole.RESULTS, spec.topics().partitions(), replication, Map.of()));
    add(topics, new Plan.TopicPlan(names.events(), Plan.TopicRole.EVENTS, spec.topics().partitions(), replication, Map.of()));
    for (String node : graph.nodes().keySet()) {
      add(topics, new Plan.TopicPlan(names.dlq(node), Plan.TopicRole.DLQ, spec.topics().partitions(), replication,
          Map.of("retention.ms", DLQ_RETENTION_MS, "cleanup.policy", "delete")));
    }

    List<Plan.GroupPlan> groups = new ArrayList<>();
    for (Node node : graph.nodes().values()) {
      List<String> inbound = new ArrayList<>();
      for (Edge edge : graph.incoming(node.name())) {
        String topic = edge.from().equals(Edge.START) ? names.ingress() : names.edge(edge.from(), node.name());
        if (!inbound.contains(topic)) {
          inbound.add(topic);
        }
      }
      List<Plan.Outbound> outbound = new ArrayList<>();
      for (Edge edge : graph.outgoing(node.name())) {
        for (String to : edge.to()) {
          outbound.add(new Plan.Outbound(to, to.equals(Edge.END) ? names.results() : names.edge(node.name(), to),
              edge.when().orElse(""), edge.isDefault()));
        }
      }
      DeploymentSpec.NodeDeployment d = spec.node(node.name());
      int smallest = inbound.stream().mapToInt(t -> topics.get(t).partitions()).min().orElse(0);
      if (d.replicas() > smallest && node.type() != Node.NodeType.JOIN) {
        warnings.add("node '" + node.name() + "': " + d.replicas() + " replicas but an inbound topic has only "
            + smallest + " partitions; with consumer groups the extra replicas idle");
      }
      groups.add(new Plan.GroupPlan(node.name(), node.type().yamlName(), names.group(node.name()), inbound, outbound,
          names.dlq(node.name()), d.replicas(), d.maxInFlight(), d.resources().cpu().orElse(""),
          d.resources().memory().orElse(""), modelOf(node)));
    }

    Map<String, Plan.ModelBinding> models = new LinkedHashMap<>();
    graph.models().values().forEach(m -> models.put(m.name(), new Plan.ModelBinding(m.name(), m.baseUrl().toString(),
        m.modelId(), m.fallback().orElse(""),
        groups.stream().filter(g -> g.model().equals(m.name())).map(Plan.GroupPlan::node).toList())));

    List<Plan.ProcessPlan> processes = new ArrayList<>();
    Set<String> placed = new HashSet<>();
    spec.processes().forEach(p -> {
      processes.add(new Plan.ProcessPlan(p.name(), p.nodes()));
      placed.addAll(p.nodes());
    });
    graph.nodes().keySet().stream().filter(n -> !placed.contains(n))
        .forEach(n -> processes.add(new Plan.ProcessPlan(n, List.of(n))));

    return new Plan(graph.name(), graph.version(), spec.topicPrefix(), List.copyOf(topics.values()), groups, models,
        processes, warnings, subGraphs(graph, spec), spec.delivery());
  }

  private static List<Plan.SubGraphPlan> subGraphs(Graph graph, DeploymentSpec spec) {
    Map<String, List<String>> nodesByChild = new LinkedHashMap<>();
    Map<String, Graph> children = new LinkedHashMap<>();
    for (Node node : graph.nodes().values()) {
      if (node instanceof SubGraphNode sub) {
        nodesByChild.computeIfAbsent(sub.graph().name(), k -> new ArrayList<>()).add(sub.name());
        Graph previous = children.putIfAbsent(sub.graph().name(), sub.graph());
        if (previous != null && !previous.equals(sub.graph())) {
          throw new IllegalArgumentException("graph '" + graph.name() + "': nodes " + nodesByChild.get(sub.graph().name())
              + " run two different graphs both called '" + sub.graph().name() + "'; their topics would collide");
        }
      }
    }
    List<Plan.SubGraphPlan> out = new ArrayList<>();
    children.forEach((name, child) -> out.add(new Plan.SubGraphPlan(nodesByChild.get(name),
        compile(child, spec.forSubGraph(name)))));
    return out;
  }

  private static void add(Map<String, Plan.TopicPlan> topics, Plan.TopicPlan topic) {
    topics.putIfAbsent(topic.name(), topic);
  }

  private static int partitions(DeploymentSpec spec, String node) {
    return spec.node(node).partitions().orElse(spec.topics().partitions());
  }

  private static String modelOf(Node node) {
    return switch (node) {
      case LlmNode llm -> llm.model();
      case RouterNode router -> router.classifier().map(RouterNode.Classifier::model).orElse("");
      case JoinNode ignored -> "";
      default -> "";
    };
  }
}
