package io.agentmesh.deployer.k8s;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.HttpTool;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.graph.Node;
import io.agentmesh.core.graph.ToolNode;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.MeshPrincipal;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The objects of one agent process (a node, or the nodes the spec co-locates): ServiceAccount,
 * Deployment, PodDisruptionBudget, NetworkPolicy, KEDA ScaledObject with its TriggerAuthentication.
 *
 * <p>Design: the Deployment runs {@code mesh agent /etc/mesh/graph.yaml --node N.. /etc/mesh/deploy.yaml}
 * with the graph and spec from the graph's ConfigMap, and takes every secret by reference: Redis
 * from the Redis Secret, Kafka SCRAM credentials from the Secret Strimzi's User Operator writes for
 * the process's KafkaUser, model API keys from the model-keys Secret. Egress is limited to DNS,
 * the broker pods, Redis, the registry, the model servers of its nodes (pods labelled
 * {@code agentmesh.io/model: <model>}, port 8000) and the ports of its tools (NetworkPolicy cannot
 * name hosts: the hosts are listed in an annotation and enforced by the runtime's allowedHosts).
 * KEDA scales on the lag of each node's group on each inbound topic, a replica per
 * {@code maxInFlight} records of lag, between the spec's replicas and ten times that.
 *
 * <p>A sub-graph's process is built the same way from the child plan and graph; its Deployment
 * runs the parent's graph.yaml and deploy.yaml with {@code --node <sub-graph>.<node>}, so the
 * child gets the settings the parent's spec gives it.
 */
final class AgentWorkloads {

  static final String CONFIG_MOUNT = "/etc/mesh";
  private static final int MAX_REPLICAS_FACTOR = 10;

  private final Plan plan;
  private final Graph graph;
  private final K8sOptions options;
  private final Map<String, String> graphLabels;
  private final String configMap;
  private final String registryService;
  private final String nodeQualifier;

  /**
   * @param plan the plan of the graph whose processes these are (the deployed graph's or a sub-graph's)
   * @param graph that graph
   * @param nodeQualifier what {@code mesh agent --node} puts before a node name: "" for the deployed
   *     graph, {@code <sub-graph>.} for a sub-graph
   */
  AgentWorkloads(Plan plan, Graph graph, K8sOptions options, Map<String, String> graphLabels, String configMap,
      String registryService, String nodeQualifier) {
    this.nodeQualifier = nodeQualifier;
    this.plan = plan;
    this.graph = graph;
    this.options = options;
    this.graphLabels = graphLabels;
    this.configMap = configMap;
    this.registryService = registryService;
  }

  /** The Kubernetes name of a process's objects: {@code <graph>-<process>}. */
  static String workloadName(Plan plan, String process) {
    return Names.label(plan.graph() + "-" + process);
  }

  /** Every object of the process run under {@code principal}. */
  List<HasMetadata> objects(MeshPrincipal principal) {
    String name = workloadName(plan, principal.process());
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put("app.kubernetes.io/instance", name);
    Map<String, String> labels = new LinkedHashMap<>(graphLabels);
    labels.put("app.kubernetes.io/component", "agent");
    labels.put("agentmesh.io/process", Names.label(principal.process()));
    labels.putAll(selector);
    List<Plan.GroupPlan> groups = principal.nodes().stream().map(plan::group).toList();
    List<HasMetadata> out = new ArrayList<>();
    out.add(new ServiceAccountBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withAutomountServiceAccountToken(false).build());
    out.add(deployment(name, labels, selector, principal, groups));
    out.add(new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().withMaxUnavailable(new IntOrString(1)).withSelector(selector(selector)).endSpec().build());
    out.add(networkPolicy(name, labels, selector, groups));
    out.add(triggerSecret(name, labels, principal));
    out.add(triggerAuthentication(name, labels, principal));
    out.add(scaledObject(name, labels, groups));
    return out;
  }

  private HasMetadata deployment(String name, Map<String, String> labels, Map<String, String> selector,
      MeshPrincipal principal, List<Plan.GroupPlan> groups) {
    List<String> args = new ArrayList<>(List.of("agent", CONFIG_MOUNT + "/graph.yaml"));
    groups.forEach(g -> args.addAll(List.of("--node", nodeQualifier + g.node())));
    args.add(CONFIG_MOUNT + "/deploy.yaml");
    int replicas = groups.stream().mapToInt(Plan.GroupPlan::replicas).max().orElse(1);
    Container container = new ContainerBuilder()
        .withName("agent")
        .withImage(options.image())
        .withArgs(args)
        .withEnv(env(principal, groups))
        .withResources(new ResourceRequirementsBuilder().withRequests(requests(groups)).build())
        .addNewVolumeMount().withName("mesh-config").withMountPath(CONFIG_MOUNT).withReadOnly(true).endVolumeMount()
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
            .withRunAsNonRoot(true).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .build();
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec()
            .withReplicas(replicas)
            .withSelector(selector(selector))
            .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                    .withServiceAccountName(name)
                    .withAutomountServiceAccountToken(false)
                    .withContainers(container)
                    .addNewVolume().withName("mesh-config").withNewConfigMap().withName(configMap).endConfigMap()
                        .endVolume()
                .endSpec()
            .endTemplate()
        .endSpec()
        .build();
  }

  private List<EnvVar> env(MeshPrincipal principal, List<Plan.GroupPlan> groups) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_BOOTSTRAP").withValue(options.kafkaBootstrap()).build());
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_SECURITY_PROTOCOL").withValue(options.securityProtocol()).build());
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_SASL_MECHANISM").withValue("SCRAM-SHA-512").build());
    env.add(secretEnv("MESH_KAFKA_SASL_JAAS_CONFIG", principal.name(), "sasl.jaas.config"));
    env.add(new EnvVarBuilder().withName("MESH_REGISTRY_URL")
        .withValue("http://" + registryService + ":" + K8sOptions.REGISTRY_PORT).build());
    env.add(secretEnv("MESH_REDIS_URI", options.redisSecret(), options.redisSecretKey()));
    Set<String> keyEnvs = new TreeSet<>();
    for (String model : models(groups)) {
      env.add(new EnvVarBuilder().withName("MESH_MODEL_" + Names.env(model) + "_BASE_URL")
          .withValue(modelUrl(model)).build());
      graph.model(model).apiKeyEnv().ifPresent(keyEnvs::add);
    }
    keyEnvs.forEach(key -> env.add(secretEnv(key, options.modelKeysSecret(), key)));
    return env;
  }

  /** The in-cluster URL of a model's server: {@code http://model-<name>:8000/v1}. */
  static String modelUrl(String model) {
    return "http://" + modelService(model) + ":" + K8sOptions.MODEL_PORT + "/v1";
  }

  /** The Service the GPU deployer emits for a model: {@code model-<name>}. */
  static String modelService(String model) {
    return Names.label("model-" + model);
  }

  /** The models the nodes call, with their fallbacks, sorted. */
  private Set<String> models(List<Plan.GroupPlan> groups) {
    Set<String> out = new TreeSet<>();
    for (Plan.GroupPlan g : groups) {
      String model = g.model();
      while (!model.isEmpty() && out.add(model)) {
        model = graph.model(model).fallback().orElse("");
      }
    }
    return out;
  }

  private static EnvVar secretEnv(String name, String secret, String key) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
        .withName(secret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom().build();
  }

  /** CPU and memory requests: the sum over the process's nodes that declare them. */
  private static Map<String, Quantity> requests(List<Plan.GroupPlan> groups) {
    Map<String, Quantity> out = new TreeMap<>();
    for (Plan.GroupPlan g : groups) {
      add(out, "cpu", g.cpu());
      add(out, "memory", g.memory());
    }
    return out;
  }

  private static void add(Map<String, Quantity> requests, String resource, String value) {
    if (value.isEmpty()) {
      return;
    }
    Quantity q = new Quantity(value);
    requests.merge(resource, q, Quantity::add);
  }

  private HasMetadata networkPolicy(String name, Map<String, String> labels, Map<String, String> selector,
      List<Plan.GroupPlan> groups) {
    List<NetworkPolicyEgressRule> egress = new ArrayList<>();
    egress.add(rule(List.of(new NetworkPolicyPeerBuilder()
            .withNamespaceSelector(new LabelSelector())
            .withPodSelector(selector(Map.of("k8s-app", "kube-dns"))).build()),
        List.of(port("UDP", 53), port("TCP", 53))));
    egress.add(rule(List.of(pods(Map.of("strimzi.io/cluster", options.kafkaCluster(), "strimzi.io/kind", "Kafka"))),
        List.of(port("TCP", options.kafkaPort()))));
    egress.add(rule(List.of(pods(Map.of("app.kubernetes.io/name", "redis"))), List.of(port("TCP", K8sOptions.REDIS_PORT))));
    egress.add(rule(List.of(pods(Map.of("app.kubernetes.io/instance", registryService))),
        List.of(port("TCP", K8sOptions.REGISTRY_PORT))));
    for (String model : models(groups)) {
      egress.add(rule(List.of(pods(Map.of("agentmesh.io/model", Names.label(model)))),
          List.of(port("TCP", K8sOptions.MODEL_PORT))));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    Set<Integer> toolPorts = new TreeSet<>();
    Set<String> toolHosts = new TreeSet<>();
    for (HttpTool tool : tools(groups)) {
      URI url = tool.url();
      toolHosts.add(url.getHost());
      toolHosts.addAll(tool.allowedHosts());
      toolPorts.add(url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80);
    }
    if (!toolPorts.isEmpty()) {
      annotations.put("agentmesh.io/tool-hosts", String.join(",", toolHosts));
      egress.add(rule(List.of(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr("0.0.0.0/0").endIpBlock().build()),
          toolPorts.stream().map(p -> port("TCP", p)).toList()));
    }
    return new NetworkPolicyBuilder()
        .withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations.isEmpty() ? null : annotations)
            .endMetadata()
        .withNewSpec()
            .withPodSelector(selector(selector))
            .withPolicyTypes("Ingress", "Egress")
            .withEgress(egress)
        .endSpec()
        .build();
  }

  private List<HttpTool> tools(List<Plan.GroupPlan> groups) {
    Set<String> names = new LinkedHashSet<>();
    for (Plan.GroupPlan g : groups) {
      Node node = graph.node(g.node());
      if (node instanceof LlmNode llm) {
        names.addAll(llm.tools());
      } else if (node instanceof ToolNode tool) {
        names.add(tool.tool());
      }
    }
    return names.stream().map(n -> graph.tools().get(n)).filter(java.util.Objects::nonNull).toList();
  }

  /** The non-secret half of KEDA's Kafka authentication: SASL mechanism and user name. */
  private HasMetadata triggerSecret(String name, Map<String, String> labels, MeshPrincipal principal) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("sasl", "scram_sha512");
    data.put("username", principal.name());
    return new SecretBuilder().withNewMetadata().withName(name + "-keda").withLabels(labels).endMetadata()
        .withStringData(data).build();
  }

  private HasMetadata triggerAuthentication(String name, Map<String, String> labels, MeshPrincipal principal) {
    List<Map<String, Object>> refs = List.of(
        secretRef("sasl", name + "-keda", "sasl"),
        secretRef("username", name + "-keda", "username"),
        secretRef("password", principal.name(), "password"));
    return generic("keda.sh/v1alpha1", "TriggerAuthentication", name, labels, Map.of("secretTargetRef", refs));
  }

  private HasMetadata scaledObject(String name, Map<String, String> labels, List<Plan.GroupPlan> groups) {
    int min = groups.stream().mapToInt(Plan.GroupPlan::replicas).max().orElse(1);
    List<Map<String, Object>> triggers = new ArrayList<>();
    for (Plan.GroupPlan g : groups) {
      for (String topic : g.inbound()) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("bootstrapServers", options.kafkaBootstrap());
        metadata.put("consumerGroup", g.groupId());
        metadata.put("topic", topic);
        metadata.put("lagThreshold", Integer.toString(g.maxInFlight()));
        metadata.put("offsetResetPolicy", "earliest");
        Map<String, Object> trigger = new LinkedHashMap<>();
        trigger.put("type", "kafka");
        trigger.put("metadata", metadata);
        trigger.put("authenticationRef", Map.of("name", name));
        triggers.add(trigger);
      }
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("scaleTargetRef", Map.of("name", name));
    spec.put("minReplicaCount", min);
    spec.put("maxReplicaCount", min * MAX_REPLICAS_FACTOR);
    spec.put("triggers", triggers);
    return generic("keda.sh/v1alpha1", "ScaledObject", name, labels, spec);
  }

  private static Map<String, Object> secretRef(String parameter, String secret, String key) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("parameter", parameter);
    out.put("name", secret);
    out.put("key", key);
    return out;
  }

  static GenericKubernetesResource generic(String apiVersion, String kind, String name, Map<String, String> labels,
      Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind)
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withAdditionalProperties(Map.of("spec", spec)).build();
  }

  static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelectorBuilder().withMatchLabels(new LinkedHashMap<>(labels)).build();
  }

  private static NetworkPolicyPeer pods(Map<String, String> labels) {
    return new NetworkPolicyPeerBuilder().withPodSelector(selector(new TreeMap<>(labels))).build();
  }

  private static NetworkPolicyPort port(String protocol, int port) {
    return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
  }

  private static NetworkPolicyEgressRule rule(List<NetworkPolicyPeer> to, List<NetworkPolicyPort> ports) {
    return new NetworkPolicyEgressRuleBuilder().withTo(to).withPorts(ports).build();
  }
}
