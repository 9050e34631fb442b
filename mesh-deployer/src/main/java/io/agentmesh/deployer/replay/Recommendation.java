package io.agentmesh.deployer.replay;

import io.agentmesh.core.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * How to deploy a graph for a target arrival rate, from a profile and the plan it ran under.
 *
 * <p>Little's law: a node whose runs arrive at {@code rate x visitsPerRun} per second and take
 * {@code S} seconds each needs {@code rate x visits x S} executions in flight on average; with
 * {@code headroom} for bursts and the tail, {@code replicas = ceil(that x headroom / maxInFlight)}.
 * Each inbound topic needs at least as many partitions as replicas (a consumer-group member
 * without a partition idles). The bottleneck is the node whose current deployment is most
 * utilised at the target rate. Adjacent nodes are worth co-locating when the edge between them
 * costs a large share of the next node's time ({@code transit p50 / (transit p50 + service p50)}).
 *
 * @param targetRate runs per second the recommendation is for
 * @param headroom factor over the mean concurrency
 * @param bottleneck the most utilised node ("" when nothing was measured)
 * @param nodes advice per node
 * @param colocate edges whose transit share passed the threshold
 * @param processes co-location groups built from those edges
 */
public record Recommendation(double targetRate, double headroom, String bottleneck, List<NodeAdvice> nodes,
                             List<Colocation> colocate, List<List<String>> processes) {

  /** Default factor over the mean in-flight need. */
  public static final double DEFAULT_HEADROOM = 1.5;
  /** Default transit share above which two adjacent nodes are co-located. */
  public static final double DEFAULT_COLOCATE_SHARE = 0.25;

  /**
   * One node's advice.
   *
   * @param arrivalRate executions per second at the target rate
   * @param meanServiceMs measured mean service time
   * @param concurrency executions in flight needed, with headroom
   * @param utilisation of the current deployment at the target rate (above 1: cannot keep up)
   */
  public record NodeAdvice(String node, double arrivalRate, double meanServiceMs, double concurrency, int maxInFlight,
                           int currentReplicas, int replicas, int currentPartitions, int partitions, double utilisation) {}

  /** An edge worth removing by co-location. */
  public record Colocation(String from, String to, long transitP50Ms, long serviceP50Ms, double share) {}

  /** The recommendation for {@code targetRate} runs per second. */
  public static Recommendation of(Profile profile, Plan plan, double targetRate, double headroom, double colocateShare) {
    if (!(targetRate > 0)) {
      throw new IllegalArgumentException("target rate must be above 0 runs/s, got " + targetRate);
    }
    if (!(headroom >= 1)) {
      throw new IllegalArgumentException("headroom must be at least 1, got " + headroom);
    }
    Map<String, Integer> partitionsByTopic = new LinkedHashMap<>();
    plan.topics().forEach(t -> partitionsByTopic.put(t.name(), t.partitions()));
    List<NodeAdvice> nodes = new ArrayList<>();
    String bottleneck = "";
    double worst = -1;
    for (Plan.GroupPlan group : plan.groups()) {
      Profile.NodeProfile measured = profile.nodes().get(group.node());
      int currentPartitions = group.inbound().stream().mapToInt(t -> partitionsByTopic.getOrDefault(t, 1)).min().orElse(1);
      if (measured == null || measured.executions() == 0) {
        nodes.add(new NodeAdvice(group.node(), 0, 0, 0, group.maxInFlight(), group.replicas(), group.replicas(),
            currentPartitions, currentPartitions, 0));
        continue;
      }
      double rate = targetRate * measured.visitsPerRun();
      double meanMs = measured.service().mean();
      double concurrency = rate * meanMs / 1000.0 * headroom;
      int replicas = Math.max(1, (int) Math.ceil(concurrency / group.maxInFlight() - 1e-9));
      double utilisation = rate * meanMs / 1000.0 / ((double) group.replicas() * group.maxInFlight());
      nodes.add(new NodeAdvice(group.node(), rate, meanMs, concurrency, group.maxInFlight(), group.replicas(), replicas,
          currentPartitions, Math.max(currentPartitions, replicas), utilisation));
      if (utilisation > worst) {
        worst = utilisation;
        bottleneck = group.node();
      }
    }
    List<Colocation> colocate = new ArrayList<>();
    for (Profile.EdgeProfile edge : profile.edges().values()) {
      Profile.NodeProfile next = profile.nodes().get(edge.to());
      if (next == null || edge.transit().count() == 0) {
        continue;
      }
      long transit = edge.transit().p50();
      long service = next.service().p50();
      double share = transit + service == 0 ? 0 : (double) transit / (transit + service);
      if (share >= colocateShare) {
        colocate.add(new Colocation(edge.from(), edge.to(), transit, service, share));
      }
    }
    return new Recommendation(targetRate, headroom, bottleneck, nodes, colocate, groups(colocate));
  }

  /** Connected groups of the co-location edges (union of overlapping pairs), sorted. */
  private static List<List<String>> groups(List<Colocation> edges) {
    List<TreeSet<String>> groups = new ArrayList<>();
    for (Colocation edge : edges) {
      TreeSet<String> merged = new TreeSet<>(List.of(edge.from(), edge.to()));
      groups.removeIf(g -> {
        if (g.contains(edge.from()) || g.contains(edge.to())) {
          merged.addAll(g);
          return true;
        }
        return false;
      });
      groups.add(merged);
    }
    return groups.stream().map(List::copyOf).toList();
  }

  /** The advice for one node. */
  public NodeAdvice node(String name) {
    return nodes.stream().filter(n -> n.node().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no advice for node '" + name + "'"));
  }

  /**
   * The recommendation as deploy.yaml terms ({@code nodes.<n>.replicas}, {@code nodes.<n>.partitions},
   * {@code processes}): a valid deploy.yaml on its own, to merge into the deployed one.
   */
  public String toDeployYaml() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "# mesh profile: deployment for %.2f runs/s (headroom x%.2f); merge into deploy.yaml%n",
        targetRate, headroom));
    if (!bottleneck.isEmpty()) {
      NodeAdvice b = node(bottleneck);
      out.append(String.format(Locale.ROOT, "# bottleneck: %s (%.0f%% utilised at the target rate as deployed now)%n",
          bottleneck, b.utilisation() * 100));
    }
    out.append("nodes:\n");
    for (NodeAdvice n : nodes) {
      out.append("  ").append(n.node()).append(":\n");
      out.append(String.format(Locale.ROOT, "    replicas: %d        # %.2f/s x %.1f ms = %.2f in flight, maxInFlight %d (was %d)%n",
          n.replicas(), n.arrivalRate(), n.meanServiceMs(), n.concurrency(), n.maxInFlight(), n.currentReplicas()));
      out.append(String.format(Locale.ROOT, "    partitions: %d      # >= replicas (was %d)%n", n.partitions(), n.currentPartitions()));
      out.append(String.format(Locale.ROOT, "    maxInFlight: %d    # unchanged: the replicas above assume it%n", n.maxInFlight()));
    }
    if (!processes.isEmpty()) {
      out.append("processes:\n");
      for (List<String> group : processes) {
        out.append("  - {name: ").append(String.join("-", group)).append(", nodes: [").append(String.join(", ", group)).append("]}\n");
      }
    }
    return out.toString();
  }
}
