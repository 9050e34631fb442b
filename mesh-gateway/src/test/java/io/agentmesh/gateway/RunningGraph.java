package io.agentmesh.gateway;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.infra.junit.SharedInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** A graph deployed on the shared infra (topics applied, workers running), for tests to call through a gateway. */
final class RunningGraph implements AutoCloseable {

  final Graph graph;
  private final MeshRuntime runtime;

  private RunningGraph(Graph graph, MeshRuntime runtime) {
    this.graph = graph;
    this.runtime = runtime;
  }

  /** A graph of LLM nodes in a line, each on {@code model} of the shared simulator; input {question: string}. */
  static RunningGraph pipeline(SharedInfra infra, String name, String model, String... nodes) {
    return pipeline(infra.kafkaBootstrap(), infra.redisUri(), infra.registryUrl(), infra.simulator().baseUrl(), name, model, nodes);
  }

  static RunningGraph pipeline(String kafka, String redis, String registry, String simulatorUrl, String name, String model,
                               String... nodes) {
    return start(kafka, redis, registry, pipelineGraph(simulatorUrl, name, model, nodes));
  }

  /** The graph {@link #pipeline} runs, without running it (a gateway in another process than its workers). */
  static Graph pipelineGraph(String simulatorUrl, String name, String model, String... nodes) {
    StringBuilder yaml = new StringBuilder()
        .append("name: ").append(name).append('\n')
        .append("version: \"1\"\n")
        .append("inputSchema: {type: object, required: [question], properties: {question: {type: string, minLength: 1}}}\n")
        .append("models:\n  default: {baseUrl: '").append(simulatorUrl).append("', model: ").append(model)
        .append(", timeout: 30s, retries: 1}\n")
        .append("nodes:\n");
    for (String node : nodes) {
      yaml.append("  ").append(node).append(": {type: llm, prompt: '").append(node).append(": {{input}}', model: default}\n");
    }
    yaml.append("edges:\n  - {from: START, to: ").append(nodes[0]).append("}\n");
    for (int i = 1; i < nodes.length; i++) {
      yaml.append("  - {from: ").append(nodes[i - 1]).append(", to: ").append(nodes[i]).append("}\n");
    }
    yaml.append("  - {from: ").append(nodes[nodes.length - 1]).append(", to: END}\n");
    return GraphLoader.parse(yaml.toString(), name + ".yaml", Path.of("."));
  }

  static RunningGraph start(String kafka, String redis, String registry, Graph graph) {
    return start(kafka, redis, registry, graph, DeploymentSpec.Delivery.EXACTLY_ONCE);
  }

  static RunningGraph start(String kafka, String redis, String registry, Graph graph, DeploymentSpec.Delivery delivery) {
    DeploymentSpec defaults = DeploymentSpec.defaults();
    Plan plan = PlanCompiler.compile(graph, new DeploymentSpec(defaults.topicPrefix(), defaults.topics(), defaults.nodes(),
        defaults.processes(), defaults.endpoints(), delivery));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    MeshRuntime runtime = MeshRuntime.create(graph, plan,
        new MeshRuntime.Endpoints(kafka, redis, registry, url -> url),
        new SimpleMeterRegistry()).startAll();
    return new RunningGraph(graph, runtime);
  }

  @Override
  public void close() {
    runtime.close();
  }
}
