package io.agentmesh.deployer.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.plan.Plan;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A {@code docker-compose.yml} for a graph: Kafka (KRaft, one node), Redis, the registry, a
 * one-shot {@code mesh topology apply --no-acls} creating the topics, one service per model
 * binding (vLLM with a GPU reservation; the sub-graphs' models too), one per agent process
 * ({@code agent-<process>}; a sub-graph's {@code agent-<sub-graph>-<process>}, run with
 * {@code --node <sub-graph>.<node>}) with the spec's replicas, and the gateway. The compose file's directory (graph.yaml, deploy.yaml, prompt files) is bind-mounted at /etc/mesh.
 *
 * <p>Plain PLAINTEXT Kafka without ACLs: compose is for one machine; the least-privilege set is
 * the k8s target's and {@code mesh topology apply}'s.
 */
public final class ComposeFile {

  /** Images a compose file uses besides the mesh image. */
  public static final String KAFKA_IMAGE = "apache/kafka:4.3.1";
  /** Redis image. */
  public static final String REDIS_IMAGE = "redis:7.4-alpine";
  /** vLLM's OpenAI-compatible server image. */
  public static final String VLLM_IMAGE = "vllm/vllm-openai:v0.11.0";

  private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build())
      .build();

  private ComposeFile() {}

  /**
   * The compose services of a graph, by name.
   *
   * @param plan the compiled plan
   * @param graph the graph
   * @param image the mesh image
   * @param gpusPerModel GPUs reserved by each model server
   */
  public static Map<String, ComposeService> services(Plan plan, Graph graph, String image, int gpusPerModel) {
    Objects.requireNonNull(image, "image");
    if (gpusPerModel < 0) {
      throw new IllegalArgumentException("gpusPerModel must be >= 0, got " + gpusPerModel);
    }
    Map<String, ComposeService> services = new LinkedHashMap<>();
    services.put("kafka", kafka());
    services.put("redis", new ComposeService(REDIS_IMAGE, List.of("redis-server", "--save", "", "--appendonly", "no"),
        Map.of(), List.of(), List.of(), Map.of(), "unless-stopped",
        new ComposeService.Healthcheck(List.of("CMD", "redis-cli", "ping"), "5s", 10), null));
    services.put("topology", new ComposeService(image,
        List.of("topology", "apply", "--bootstrap", "kafka:9092", "--no-acls", "/etc/mesh/graph.yaml", "/etc/mesh/deploy.yaml"),
        Map.of(), List.of(), configVolumes(), dependsOn(Map.of("kafka", "service_healthy")), "no", null, null));
    services.put("registry", new ComposeService(image, List.of("registry", "--port", "8081"),
        Map.of("MESH_KAFKA_BOOTSTRAP", "kafka:9092"), List.of("8081:8081"), List.of(),
        dependsOn(Map.of("topology", "service_completed_successfully")), "unless-stopped", null, null));
    Map<String, Plan.ModelBinding> models = new LinkedHashMap<>();
    for (Plan graphPlan : plan.allPlans()) {
      for (Plan.ModelBinding model : graphPlan.models().values()) {
        Plan.ModelBinding other = models.putIfAbsent(model.name(), model);
        if (other != null && !(other.modelId().equals(model.modelId()) && other.baseUrl().equals(model.baseUrl()))) {
          throw new IllegalArgumentException("graph '" + graphPlan.graph() + "' binds model '" + model.name() + "' to "
              + model.modelId() + " but another graph of the deployment binds it to " + other.modelId()
              + "; model servers are named after the model: rename one");
        }
      }
    }
    models.values().forEach(model -> services.put(modelService(model.name()), modelServer(model, gpusPerModel)));
    for (Plan graphPlan : plan.allPlans()) {
      boolean root = graphPlan == plan;
      Graph owner = root ? graph : graph.subGraphs().get(graphPlan.graph());
      String qualifier = root ? "" : graphPlan.graph() + DeploymentSpec.SUB_GRAPH_SEPARATOR;
      for (Plan.ProcessPlan process : graphPlan.processes()) {
        String name = root ? "agent-" + process.name() : "agent-" + graphPlan.graph() + "-" + process.name();
        services.put(serviceName(name), agent(graphPlan, owner, process, image, qualifier));
      }
    }
    Map<String, String> gatewayEnv = baseEnv();
    services.put("gateway", new ComposeService(image,
        List.of("gateway", "/etc/mesh/graph.yaml", "/etc/mesh/deploy.yaml", "--port", "8080"), gatewayEnv,
        List.of("8080:8080"), configVolumes(), dependsOn(Map.of("registry", "service_started", "redis", "service_healthy")),
        "unless-stopped", null, null));
    return services;
  }

  /** The compose file as YAML. */
  public static String yaml(Plan plan, Graph graph, String image, int gpusPerModel) {
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("name", serviceName(plan.graph()));
    file.put("services", services(plan, graph, image, gpusPerModel));
    if (plan.allPlans().stream().anyMatch(p -> !p.models().isEmpty())) {
      file.put("volumes", Map.of("huggingface-cache", Map.of()));
    }
    try {
      return YAML.writeValueAsString(file);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the compose file: " + e.getMessage(), e);
    }
  }

  private static ComposeService kafka() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_NODE_ID", "1");
    env.put("KAFKA_PROCESS_ROLES", "broker,controller");
    env.put("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093");
    env.put("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://kafka:9092");
    env.put("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    env.put("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER");
    env.put("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT");
    env.put("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka:9093");
    env.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
    env.put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1");
    env.put("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
    env.put("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1");
    env.put("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
    env.put("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    env.put("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
    return new ComposeService(KAFKA_IMAGE, List.of(), env, List.of(), List.of(), Map.of(), "unless-stopped",
        new ComposeService.Healthcheck(List.of("CMD-SHELL",
            "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null 2>&1"), "5s", 20),
        null);
  }

  private static ComposeService modelServer(Plan.ModelBinding model, int gpus) {
    List<String> args = new ArrayList<>(List.of("--model", model.modelId(), "--served-model-name", model.modelId(),
        "--port", "8000"));
    if (gpus > 1) {
      args.addAll(List.of("--tensor-parallel-size", Integer.toString(gpus)));
    }
    List<ComposeService.Device> devices = gpus == 0 ? List.of()
        : List.of(new ComposeService.Device("nvidia", gpus, List.of("gpu")));
    return new ComposeService(VLLM_IMAGE, args, Map.of(), List.of(), List.of("huggingface-cache:/root/.cache/huggingface"),
        Map.of(), "unless-stopped", null,
        new ComposeService.Deploy(null, new ComposeService.Resources(new ComposeService.Reservations(null, null, devices))));
  }

  private static ComposeService agent(Plan plan, Graph graph, Plan.ProcessPlan process, String image, String nodeQualifier) {
    List<String> args = new ArrayList<>(List.of("agent", "/etc/mesh/graph.yaml"));
    process.nodes().forEach(n -> args.addAll(List.of("--node", nodeQualifier + n)));
    args.add("/etc/mesh/deploy.yaml");
    Map<String, String> env = baseEnv();
    TreeSet<String> models = new TreeSet<>();
    for (String node : process.nodes()) {
      String model = plan.group(node).model();
      while (!model.isEmpty() && models.add(model)) {
        model = graph.model(model).fallback().orElse("");
      }
    }
    Map<String, String> depends = new LinkedHashMap<>();
    depends.put("registry", "service_started");
    depends.put("redis", "service_healthy");
    for (String model : models) {
      env.put("MESH_MODEL_" + model.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_BASE_URL",
          "http://" + modelService(model) + ":8000/v1");
      depends.put(modelService(model), "service_started");
      graph.model(model).apiKeyEnv().ifPresent(key -> env.put(key, "${" + key + ":-}"));
    }
    List<Plan.GroupPlan> groups = process.nodes().stream().map(plan::group).toList();
    int replicas = groups.stream().mapToInt(Plan.GroupPlan::replicas).max().orElse(1);
    String cpus = sum(groups.stream().map(Plan.GroupPlan::cpu).toList(), true);
    String memory = sum(groups.stream().map(Plan.GroupPlan::memory).toList(), false);
    ComposeService.Resources resources = cpus == null && memory == null ? null
        : new ComposeService.Resources(new ComposeService.Reservations(cpus, memory, List.of()));
    return new ComposeService(image, args, env, List.of(), configVolumes(), dependsOn(depends), "unless-stopped", null,
        new ComposeService.Deploy(replicas, resources));
  }

  /** Kubernetes quantities (500m, 2, 512Mi, 1Gi) summed into compose's (0.5, 512M); null when none. */
  static String sum(List<String> quantities, boolean cpu) {
    BigDecimal total = BigDecimal.ZERO;
    boolean any = false;
    for (String q : quantities) {
      if (q.isEmpty()) {
        continue;
      }
      any = true;
      total = total.add(cpu ? cpus(q) : megabytes(q));
    }
    if (!any) {
      return null;
    }
    return cpu ? total.stripTrailingZeros().toPlainString() : total.stripTrailingZeros().toPlainString() + "M";
  }

  private static BigDecimal cpus(String q) {
    return q.endsWith("m") ? new BigDecimal(q.substring(0, q.length() - 1)).movePointLeft(3) : new BigDecimal(q);
  }

  private static BigDecimal megabytes(String q) {
    if (q.endsWith("Gi")) {
      return new BigDecimal(q.substring(0, q.length() - 2)).multiply(BigDecimal.valueOf(1024));
    }
    if (q.endsWith("Mi")) {
      return new BigDecimal(q.substring(0, q.length() - 2));
    }
    if (q.endsWith("Ki")) {
      return new BigDecimal(q.substring(0, q.length() - 2)).divide(BigDecimal.valueOf(1024), 3, java.math.RoundingMode.UP);
    }
    throw new IllegalArgumentException("memory '" + q + "': the compose target understands Ki, Mi and Gi");
  }

  private static Map<String, String> baseEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MESH_KAFKA_BOOTSTRAP", "kafka:9092");
    env.put("MESH_REGISTRY_URL", "http://registry:8081");
    env.put("MESH_REDIS_URI", "redis://redis:6379");
    return env;
  }

  private static List<String> configVolumes() {
    // the whole directory: graph.yaml, deploy.yaml and the prompt files graph.yaml refers to
    return List.of(".:/etc/mesh:ro");
  }

  private static Map<String, Map<String, String>> dependsOn(Map<String, String> conditions) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    new java.util.TreeMap<>(conditions).forEach((service, condition) -> out.put(service, Map.of("condition", condition)));
    return out;
  }

  /** The service of a model: {@code model-<name>}, as on Kubernetes. */
  static String modelService(String model) {
    return serviceName("model-" + model);
  }

  private static String serviceName(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
  }
}
