package io.agentmesh.deployer.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;

/**
 * The ACLs a graph's principals need, computed by {@link AclPlanner}.
 *
 * @param principals every principal the mesh manages for the graph, agents first
 * @param bindings the ACL bindings of each principal, by principal name, in a stable order
 * @param warnings things that work but weaken isolation (e.g. a transactional-id prefix that also
 *     matches another node's ids)
 */
public record AclPlan(List<MeshPrincipal> principals, Map<String, List<AclBinding>> bindings, List<String> warnings) {

  public AclPlan {
    principals = List.copyOf(principals);
    Map<String, List<AclBinding>> copy = new LinkedHashMap<>();
    bindings.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    bindings = java.util.Collections.unmodifiableMap(copy);
    warnings = List.copyOf(warnings);
  }

  /** The principal called {@code name}; throws IllegalArgumentException when there is none. */
  public MeshPrincipal principal(String name) {
    return principals.stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no principal '" + name + "'"));
  }

  /**
   * The principal a node runs under, a sub-graph's node written {@code <sub-graph>.<node>}; throws
   * IllegalArgumentException for an unknown node.
   */
  public MeshPrincipal principalOfNode(String node) {
    int dot = node.indexOf(io.agentmesh.core.graph.DeploymentSpec.SUB_GRAPH_SEPARATOR);
    String graph = dot < 0 ? principals.getFirst().graph() : node.substring(0, dot);
    String name = node.substring(dot + 1);
    return principals.stream().filter(p -> p.graph().equals(graph) && p.nodes().contains(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no principal runs node '" + node + "'"));
  }

  /** The bindings of {@code principal} (a principal name). */
  public List<AclBinding> bindingsOf(String principal) {
    return bindings.getOrDefault(principal, List.of());
  }

  /** Every binding of every principal. */
  public List<AclBinding> all() {
    List<AclBinding> out = new ArrayList<>();
    bindings.values().forEach(out::addAll);
    return out;
  }

  /** The {@code User:...} principals this plan manages: the only ones an apply may change. */
  public Set<String> managedPrincipals() {
    Set<String> out = new java.util.LinkedHashSet<>();
    principals.forEach(p -> out.add(p.principal()));
    return out;
  }
}
