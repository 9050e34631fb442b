package io.agentmesh.deployer.topology;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Node;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.wire.TopicNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Least-privilege ACLs for a graph, computed from its {@link Plan}.
 *
 * <p>One principal per process ({@code User:mesh-<graph>-<process>}; a node not co-located is its
 * own process), holding the union of its nodes' rights: READ on each inbound topic and on the
 * node's consumer group; WRITE on each outbound edge topic, on the results topic (the node reaching
 * END publishes there, and any node may fail a run), on the events topic (every node reports its
 * visits) and on its own dead-letter topic; WRITE on the transactional ids {@code <groupId>-*}, the
 * one PREFIXED pattern, as the runtime names its producers {@code <groupId>-<uuid>} (and a join's
 * Kafka Streams app uses the group id as its application id). A graph deployed
 * {@code delivery: at-least-once} (D-020) has no transactional producers but its joins', so only
 * join nodes get that binding there. The gateway
 * WRITEs ingress and READs results and events with group {@code <prefix>.<graph>.gateway}; the
 * registry READs and WRITEs {@code _schemas}. Nothing else.
 *
 * <p>Sub-graphs: the agents of every graph below this one ({@link Plan#allPlans()}) get principals
 * of their own by the same rules, named after their graph ({@code mesh-<child>-<process>}); the
 * principal of a {@code graph} node also WRITEs the child's ingress (it starts child runs) and
 * READs the child's results (assigned, no group). The gateway and registry are the deployed
 * graph's only: the gateway serves the parent graph, not its children.
 *
 * <p>No explicit DESCRIBE: Kafka's authorizer grants DESCRIBE to whoever holds READ or WRITE on
 * the same resource. No IDEMPOTENT_WRITE on the cluster: since Kafka 2.8 (KIP-679) an idempotent
 * producer needs only WRITE on a topic or a transactional id. All bindings allow from any host.
 */
public final class AclPlanner {

  /** The Schema Registry's compacted topic. */
  public static final String SCHEMAS_TOPIC = "_schemas";
  /** Process names the mesh keeps for its own principals. */
  public static final Set<String> RESERVED = Set.of("gateway", "registry");

  private AclPlanner() {}

  /** The ACL plan of {@code plan}; throws IllegalArgumentException when two principals would share a name. */
  public static AclPlan plan(Plan plan) {
    TopicNames names = TopicNames.of(plan.topicPrefix(), plan.graph());
    List<MeshPrincipal> principals = new ArrayList<>();
    Map<String, List<AclBinding>> bindings = new LinkedHashMap<>();
    Map<String, String> taken = new HashMap<>();
    List<String> warnings = new ArrayList<>();

    for (Plan graphPlan : plan.allPlans()) {
      agents(graphPlan, principals, bindings, taken, warnings);
    }

    MeshPrincipal gateway = new MeshPrincipal(userName(plan, "gateway"), MeshPrincipal.Kind.GATEWAY, "gateway", List.of(),
        plan.graph());
    claim(taken, gateway.name(), "gateway");
    principals.add(gateway);
    bindings.put(gateway.name(), List.of(
        literal(ResourceType.TOPIC, names.ingress(), gateway.principal(), AclOperation.WRITE),
        literal(ResourceType.TOPIC, names.results(), gateway.principal(), AclOperation.READ),
        literal(ResourceType.TOPIC, names.events(), gateway.principal(), AclOperation.READ),
        literal(ResourceType.GROUP, gatewayGroup(plan), gateway.principal(), AclOperation.READ)));

    MeshPrincipal registry = new MeshPrincipal(userName(plan, "registry"), MeshPrincipal.Kind.REGISTRY, "registry", List.of(),
        plan.graph());
    claim(taken, registry.name(), "registry");
    principals.add(registry);
    bindings.put(registry.name(), List.of(
        literal(ResourceType.TOPIC, SCHEMAS_TOPIC, registry.principal(), AclOperation.READ),
        literal(ResourceType.TOPIC, SCHEMAS_TOPIC, registry.principal(), AclOperation.WRITE)));
    return new AclPlan(principals, bindings, warnings);
  }

  /** One principal per process of {@code plan}'s graph (not of its sub-graphs), with its nodes' rights. */
  private static void agents(Plan plan, List<MeshPrincipal> principals, Map<String, List<AclBinding>> bindings,
      Map<String, String> taken, List<String> warnings) {
    TopicNames names = TopicNames.of(plan.topicPrefix(), plan.graph());
    for (Plan.ProcessPlan process : plan.processes()) {
      if (RESERVED.contains(process.name())) {
        throw new IllegalArgumentException("process or node name '" + process.name()
            + "' is reserved for the mesh's own principal " + userName(plan, process.name()));
      }
      MeshPrincipal principal = new MeshPrincipal(userName(plan, process.name()), MeshPrincipal.Kind.AGENT,
          process.name(), process.nodes(), plan.graph());
      claim(taken, principal.name(), plan.graph() + "/" + process.name());
      Set<AclBinding> set = new LinkedHashSet<>();
      for (String node : process.nodes()) {
        Plan.GroupPlan group = plan.group(node);
        String user = principal.principal();
        group.inbound().forEach(t -> set.add(literal(ResourceType.TOPIC, t, user, AclOperation.READ)));
        set.add(literal(ResourceType.GROUP, group.groupId(), user, AclOperation.READ));
        group.outbound().forEach(o -> set.add(literal(ResourceType.TOPIC, o.topic(), user, AclOperation.WRITE)));
        set.add(literal(ResourceType.TOPIC, names.results(), user, AclOperation.WRITE));
        set.add(literal(ResourceType.TOPIC, names.events(), user, AclOperation.WRITE));
        set.add(literal(ResourceType.TOPIC, group.deadLetterTopic(), user, AclOperation.WRITE));
        if (transactional(plan, group)) {
          set.add(binding(ResourceType.TRANSACTIONAL_ID, transactionalPrefix(group), PatternType.PREFIXED, user,
              AclOperation.WRITE));
          warnings.addAll(prefixOverlaps(plan, group));
        }
        plan.subGraph(node).ifPresent(child -> {
          TopicNames childNames = TopicNames.of(child.topicPrefix(), child.graph());
          set.add(literal(ResourceType.TOPIC, childNames.ingress(), user, AclOperation.WRITE));
          set.add(literal(ResourceType.TOPIC, childNames.results(), user, AclOperation.READ));
        });
      }
      principals.add(principal);
      bindings.put(principal.name(), List.copyOf(set));
    }
  }

  /** Whether the node's replicas write with transactional producers: all under exactly-once, joins always. */
  private static boolean transactional(Plan plan, Plan.GroupPlan group) {
    return plan.delivery() == DeploymentSpec.Delivery.EXACTLY_ONCE || group.type().equals(Node.NodeType.JOIN.yamlName());
  }

  /** The Kafka user name of {@code process} of the plan's graph: {@code mesh-<graph>-<process>}, DNS-safe. */
  public static String userName(Plan plan, String process) {
    return MeshPrincipal.kubernetesName("mesh-" + plan.graph() + "-" + process);
  }

  /** The consumer group the gateway reads results and events with. */
  public static String gatewayGroup(Plan plan) {
    return TopicNames.of(plan.topicPrefix(), plan.graph()).group("gateway");
  }

  /** The transactional-id prefix of a node's producers: {@code <groupId>-}. */
  public static String transactionalPrefix(Plan.GroupPlan group) {
    return group.groupId() + "-";
  }

  private static List<String> prefixOverlaps(Plan plan, Plan.GroupPlan group) {
    String prefix = transactionalPrefix(group);
    return plan.groups().stream()
        .filter(other -> other != group && transactionalPrefix(other).startsWith(prefix))
        .map(other -> "transactional-id prefix '" + prefix + "' of node '" + group.node()
            + "' also matches the ids of node '" + other.node() + "'; rename one so neither name is the other's"
            + " prefix followed by '-'")
        .toList();
  }

  private static void claim(Map<String, String> taken, String user, String owner) {
    String previous = taken.putIfAbsent(user, owner);
    if (previous != null) {
      throw new IllegalArgumentException("processes '" + previous + "' and '" + owner
          + "' would share the Kafka principal '" + user + "'; rename one");
    }
  }

  private static AclBinding literal(ResourceType type, String name, String principal, AclOperation op) {
    return binding(type, name, PatternType.LITERAL, principal, op);
  }

  private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
