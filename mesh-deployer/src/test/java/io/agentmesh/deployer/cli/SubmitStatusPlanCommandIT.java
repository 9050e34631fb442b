package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mesh plan --json}, {@code mesh submit --wait} and {@code mesh status} as a user types them. */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubmitStatusPlanCommandIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SharedInfra infra;

  SubmitStatusPlanCommandIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Answers with its input's question in capitals. */
  public static final class Shout implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      return AgentOutput.text(JSON.readTree(input.payload()).path("q").asText().toUpperCase(java.util.Locale.ROOT));
    }
  }

  @Test
  void plansSubmitsWaitsAndReportsTheRun(@TempDir Path dir) throws Exception {
    String name = infra.uniqueName("cli");
    Path graphFile = dir.resolve("graph.yaml");
    Files.writeString(graphFile, """
        name: %s
        nodes:
          shout: {type: java, class: %s}
        edges:
          - {from: START, to: shout}
          - {from: shout, to: END}
        """.formatted(name, Shout.class.getName()));

    Output planned = run("plan", graphFile.toString(), "--json");
    assertThat(planned.code()).as(planned.err()).isZero();
    JsonNode plan = JSON.readTree(planned.out());
    assertThat(plan.toString()).contains("mesh." + name + ".ingress").contains("mesh." + name + ".results")
        .contains("mesh." + name + ".dlq.shout");

    Graph graph = GraphLoader.load(graphFile);
    Plan compiled = PlanCompiler.compile(graph, DeploymentSpec.defaults());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(compiled);
    }
    try (MeshRuntime runtime = MeshRuntime.create(graph, compiled,
        new MeshRuntime.Endpoints(infra.kafkaBootstrap(), infra.redisUri(), infra.registryUrl(), url -> url), new SimpleMeterRegistry())) {
      runtime.startAll();
      String runId = infra.uniqueName("run");

      Output submitted = run("submit", name, "--input", "{\"q\": \"hello mesh\"}", "--run-id", runId, "--wait",
          "--timeout", "PT60S", "--kafka", infra.kafkaBootstrap(), "--registry", infra.registryUrl(), "--redis", infra.redisUri());
      assertThat(submitted.code()).as(submitted.err()).isZero();
      JsonNode result = JSON.readTree(submitted.out());
      assertThat(result.path("runId").asText()).isEqualTo(runId);
      assertThat(result.path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(submitted.out()).contains("HELLO MESH");

      Output status = run("status", runId, "--kafka", infra.kafkaBootstrap(), "--registry", infra.registryUrl(),
          "--redis", infra.redisUri());
      assertThat(status.code()).as(status.err()).isZero();
      JsonNode record = JSON.readTree(status.out());
      assertThat(record.path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(record.path("nodes").has("shout")).isTrue();

      Output unknown = run("status", infra.uniqueName("nobody"), "--redis", infra.redisUri());
      assertThat(unknown.code()).isEqualTo(2);
      assertThat(unknown.err()).contains("no run");
    }
  }

  private record Output(int code, String out, String err) {}

  private static Output run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MeshCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(new ArrayList<>(List.of(args)).toArray(String[]::new));
    return new Output(code, out.toString(), err.toString());
  }
}
