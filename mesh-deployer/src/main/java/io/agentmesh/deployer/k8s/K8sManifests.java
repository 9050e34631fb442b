package io.agentmesh.deployer.k8s;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.MeshPrincipal;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every Kubernetes object of a graph on the k8s target: topics and users (Strimzi), the config
 * map, one workload per agent process, the gateway and the registry, then {@code extra} (the
 * lead's hook for the GPU deployer's model servers). Redis and the Kafka cluster are referenced,
 * not emitted.
 */
public final class K8sManifests {

  private K8sManifests() {}

  /**
   * The objects, in a stable order.
   *
   * @param plan the compiled plan
   * @param graph the graph the plan was compiled from
   * @param acls the ACL plan of {@code plan}
   * @param graphYaml the text of graph.yaml, put in the ConfigMap as it is
   * @param deployYaml the text of deploy.yaml, put in the ConfigMap as it is
   * @param options target settings
   * @param extra more objects to emit as they are (model servers), may be empty
   */
  public static List<HasMetadata> build(Plan plan, Graph graph, AclPlan acls, String graphYaml, String deployYaml,
      K8sOptions options, List<HasMetadata> extra) {
    Objects.requireNonNull(extra, "extra");
    Map<String, String> labels = graphLabels(plan);
    String configMap = Names.label(plan.graph() + "-config");
    String registry = MeshServices.registryService(plan);
    List<HasMetadata> out = new ArrayList<>();
    out.addAll(StrimziResources.topics(plan, options, labels));
    out.addAll(StrimziResources.users(acls, options, labels));
    Map<String, String> files = new LinkedHashMap<>();
    files.put("graph.yaml", graphYaml);
    files.put("deploy.yaml", deployYaml);
    out.add(new ConfigMapBuilder().withNewMetadata().withName(configMap).withLabels(labels).endMetadata()
        .withData(files).build());
    AgentWorkloads agents = new AgentWorkloads(plan, graph, options, labels, configMap, registry);
    acls.principals().stream().filter(p -> p.kind() == MeshPrincipal.Kind.AGENT)
        .forEach(p -> out.addAll(agents.objects(p)));
    out.addAll(MeshServices.gateway(plan, acls, options, labels, configMap, registry));
    out.addAll(MeshServices.registry(plan, acls, options, labels));
    out.addAll(extra);
    return out;
  }

  /** Labels every object of the graph carries. */
  static Map<String, String> graphLabels(Plan plan) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "agentmesh");
    labels.put("app.kubernetes.io/part-of", Names.label(plan.graph()));
    labels.put("app.kubernetes.io/managed-by", "mesh-deploy");
    if (!plan.version().isEmpty()) {
      labels.put("agentmesh.io/graph-version", Names.label(plan.version()));
    }
    return labels;
  }
}
