package io.agentmesh.deployer.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.ModelSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A Confluent-compatible client that is not ours, unchanged, against the mesh: Node's kafkajs with
 * @kafkajs/confluent-schema-registry registers the Task schema in our registry, publishes an Avro
 * task, and decodes the mesh's Avro result through the registry (examples/clients/node). Skipped
 * with a message where Node or the npm registry is not available.
 */
@MeshInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NodeClientIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path CLIENT = ROOT.resolve("examples/clients/node");
  private static final Path EXAMPLE = ROOT.resolve("examples/support-triage");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SharedInfra infra;
  private ModelSimulator simulator;
  private MeshRuntime runtime;

  NodeClientIT(SharedInfra infra) {
    this.infra = infra;
  }

  @BeforeAll
  void deployTheExample() throws Exception {
    Assumptions.assumeTrue(run(List.of("node", "--version"), ROOT, 30).exit() == 0, "node is not on the PATH: test skipped");
    if (!Files.isDirectory(CLIENT.resolve("node_modules"))) {
      Result install = run(List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"), CLIENT, 180);
      Assumptions.assumeTrue(install.exit() == 0, "npm install failed (no npm registry?): test skipped\n" + install.output());
    }
    simulator = ModelSimulator.builder().port(0).configFile(EXAMPLE.resolve("simulator.yaml")).build().start();
    Graph graph = GraphLoader.load(EXAMPLE.resolve("graph.yaml"));
    Plan plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(EXAMPLE.resolve("deploy.yaml"), graph));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    runtime = MeshRuntime.create(graph, plan, new MeshRuntime.Endpoints(infra.kafkaBootstrap(), infra.redisUri(),
        infra.registryUrl(), url -> simulator.baseUrl()), new SimpleMeterRegistry()).startAll();
  }

  @AfterAll
  void stop() {
    if (runtime != null) {
      runtime.close();
    }
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void nodeClientSubmitsJsonAndDecodesTheAvroResultThroughTheRegistry() throws Exception {
    JsonNode result = submit(false, "I was charged twice on my last invoice");
    assertThat(result.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(result.path("output").asText()).startsWith("Billing:");
  }

  @Test
  void nodeClientRegistersTheTaskSchemaAndSubmitsAvro() throws Exception {
    JsonNode result = submit(true, "The login page shows error 500");
    assertThat(result.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(result.path("output").asText()).startsWith("Technical:");
  }

  private JsonNode submit(boolean avro, String ticket) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "submit-and-wait.mjs",
        "--bootstrap", infra.kafkaBootstrap(), "--registry", infra.registryUrl(), "--graph", "support-triage",
        "--input", JSON.writeValueAsString(Map.of("ticket", ticket)), "--timeout", "90"));
    if (avro) {
      command.addAll(List.of("--avro", "--schema", ROOT.resolve("schemas/src/main/avro/Task.avsc").toString()));
    }
    Result result = run(command, CLIENT, 150);
    assertThat(result.exit()).as("node client output:\n%s", result.output()).isZero();
    String last = result.output().strip().lines().reduce((a, b) -> b).orElse("");
    return JSON.readTree(last);
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException notFound) {
      return new Result(127, notFound.getMessage());
    }
    byte[][] output = new byte[1][];
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        output[0] = process.getInputStream().readAllBytes();
      } catch (IOException e) {
        output[0] = e.toString().getBytes(StandardCharsets.UTF_8);
      }
    });
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    reader.join(5_000);
    return new Result(process.isAlive() ? -1 : process.exitValue(),
        output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8));
  }
}
