package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code mesh dlq list|show|redrive} against a running graph whose only node fails until it is fixed. */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DlqCommandIT {

  private final SharedInfra infra;

  DlqCommandIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Fails until the test fixes it. */
  public static final class Flaky implements Agent {
    static volatile boolean fixed;

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      if (!fixed) {
        throw new IllegalStateException("broken on purpose");
      }
      return AgentOutput.text("fixed for " + ctx.runId());
    }
  }

  @Test
  void listsShowsAndRedrivesADeadLetterUntilTheRunSucceeds() throws Exception {
    String name = infra.uniqueName("dlqcli");
    Graph graph = GraphLoader.parse("""
        name: %s
        nodes:
          only: {type: java, class: %s}
        edges:
          - {from: START, to: only}
          - {from: only, to: END}
        """.formatted(name, Flaky.class.getName()), "test.yaml", Path.of("."));
    Plan plan = PlanCompiler.compile(graph, DeploymentSpec.defaults());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    TopicNames topics = TopicNames.of(plan.topicPrefix(), name);
    String runId = infra.uniqueName("run");
    try (MeshRuntime runtime = MeshRuntime.create(graph, plan,
        new MeshRuntime.Endpoints(infra.kafkaBootstrap(), infra.redisUri(), infra.registryUrl(), url -> url), new SimpleMeterRegistry())) {
      runtime.startAll();
      SubmitCommand.submit(infra.kafkaBootstrap(), infra.registryUrl(), topics, runId,
          "{\"order\": 7}".getBytes(StandardCharsets.UTF_8), null);

      String listed = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!listed.contains(runId) && System.nanoTime() < deadline) {
        listed = run("list", name).out();
      }
      assertThat(listed).contains(runId).contains("IllegalStateException: broken on purpose");
      Matcher ref = Pattern.compile("(" + Pattern.quote(topics.dlq("only")) + "-\\d+@\\d+)").matcher(listed);
      assertThat(ref.find()).as("a reference in %s", listed).isTrue();

      Output shown = run("show", ref.group(1));
      assertThat(shown.code()).isZero();
      assertThat(shown.out()).contains("\"originalValue\" : \"{\\\"order\\\": 7}\"").contains("\"runId\" : \"" + runId + "\"");
      assertThat(run("show", topics.dlq("only") + "-0@999999").code()).isEqualTo(2);

      Flaky.fixed = true;
      Optional<RunResult> result;
      try (ResultWatcher watcher = new ResultWatcher(infra.kafkaBootstrap(), topics.results(), WireCodec.forRegistry(infra.registryUrl()))) {
        Output redriven = run("redrive", ref.group(1));
        assertThat(redriven.code()).as(redriven.err()).isZero();
        assertThat(redriven.out()).contains("redriven " + ref.group(1) + " -> " + topics.ingress()).contains("run " + runId + " reopened");
        result = watcher.await(runId, Duration.ofSeconds(30));
      }
      assertThat(result).isPresent();
      assertThat(result.get().getStatus()).isEqualTo(RunStatus.SUCCEEDED);
    } finally {
      Flaky.fixed = false;
    }
  }

  private record Output(int code, String out, String err) {}

  private Output run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new DlqCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--kafka", infra.kafkaBootstrap(), "--redis", infra.redisUri(), "--registry", infra.registryUrl()));
    int code = cli.execute(all.toArray(String[]::new));
    return new Output(code, out.toString(), err.toString());
  }
}
