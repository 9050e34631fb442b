package io.agentmesh.deployer.k8s;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.MeshPrincipal;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Files;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every Kubernetes object of a graph on the k8s target: topics and users (Strimzi), the config
 * map, one workload per agent process (the sub-graphs' processes included, each a workload of its
 * own named after its graph), the gateway and the registry, then {@code extra} (the
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
    List<KeyToPath> items = new ArrayList<>(List.of(new KeyToPath("graph.yaml", null, "graph.yaml"),
        new KeyToPath("deploy.yaml", null, "deploy.yaml")));
    referencedFiles(graph).forEach((relative, text) -> {
      String key = configKey(relative, files.keySet());
      files.put(key, text);
      items.add(new KeyToPath(key, null, relative));
    });
    out.add(new ConfigMapBuilder().withNewMetadata().withName(configMap).withLabels(labels).endMetadata()
        .withData(files).build());
    for (Plan graphPlan : plan.allPlans()) {
      boolean root = graphPlan == plan;
      AgentWorkloads agents = new AgentWorkloads(graphPlan, root ? graph : graph.subGraphs().get(graphPlan.graph()),
          options, labels, configMap, registry, root ? "" : graphPlan.graph() + DeploymentSpec.SUB_GRAPH_SEPARATOR);
      acls.principals().stream().filter(p -> p.kind() == MeshPrincipal.Kind.AGENT && p.graph().equals(graphPlan.graph()))
          .forEach(p -> out.addAll(agents.objects(p)));
    }
    out.addAll(MeshServices.gateway(plan, acls, options, labels, configMap, registry));
    out.addAll(MeshServices.registry(plan, acls, options, labels));
    if (items.size() > 2) {
      mountEveryFile(out, items);
    }
    out.addAll(extra);
    return out;
  }

  /**
   * The files graph.yaml refers to (prompt templates, sub-graphs), by their path relative to it,
   * with their text: they travel in the ConfigMap beside graph.yaml.
   */
  public static Map<String, String> referencedFiles(Graph graph) {
    Map<String, String> out = new LinkedHashMap<>();
    if (graph.files().isEmpty()) {
      return out;
    }
    Path dir = graph.source().map(Path::getParent).orElseThrow(() -> new IllegalArgumentException(
        "graph '" + graph.name() + "' reads " + graph.files() + " but was not loaded from a file, so they cannot be found"));
    for (Path relative : graph.files()) {
      try {
        out.put(relative.toString().replace('\\', '/'), Files.readString(dir.resolve(relative)));
      } catch (IOException e) {
        throw new UncheckedIOException("graph '" + graph.name() + "': cannot read " + dir.resolve(relative) + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** A ConfigMap key for a relative path: keys allow only [-._a-zA-Z0-9], so '/' becomes '_'. */
  private static String configKey(String relative, java.util.Set<String> taken) {
    String base = relative.replaceAll("[^-._a-zA-Z0-9]", "_");
    String key = base;
    for (int i = 2; taken.contains(key); i++) {
      key = base + "-" + i;
    }
    return key;
  }

  /** ConfigMap volumes mount keys as flat files; items put each file at its relative path under /etc/mesh. */
  private static void mountEveryFile(List<HasMetadata> objects, List<KeyToPath> items) {
    for (HasMetadata object : objects) {
      if (object instanceof Deployment deployment) {
        deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(volume -> volume.getConfigMap() != null && "mesh-config".equals(volume.getName()))
            .forEach(volume -> volume.getConfigMap().setItems(List.copyOf(items)));
      }
    }
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
