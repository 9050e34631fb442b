package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.replay.MeshFixture;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@MeshInfraTest
@Timeout(180)
class ProfileAndReplayCommandsIT {

  private final SharedInfra infra;

  ProfileAndReplayCommandsIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void profileWritesTablesJsonHtmlAndAPatchAndReplayServesRecordedReplies(@TempDir Path dir) throws Exception {
    MeshFixture mesh = new MeshFixture(infra, Duration.ofMillis(10), Duration.ofMillis(300));
    String name = infra.uniqueName("cli");
    Path graphFile = dir.resolve("graph.yaml");
    Files.writeString(graphFile, mesh.graphYaml(name));
    Graph graph = GraphLoader.load(graphFile);
    Plan plan = mesh.plan(graph, MeshFixture.deployYaml(1, 8, 2));
    try (MeshRuntime runtime = mesh.start(graph, plan, null)) {
      mesh.publish(name, 8, 20);
      mesh.awaitResults(name, 8, Duration.ofSeconds(60));
    }
    String[] endpoints = {"--kafka", infra.kafkaBootstrap(), "--registry", infra.registryUrl(), "--redis", infra.redisUri()};

    Path html = dir.resolve("profile.html");
    Path patch = dir.resolve("deploy.patch.yaml");
    Result json = run(new ProfileCommand(), concat(new String[] {graphFile.toString(), "--json", "--target-rate", "5",
        "--html", html.toString(), "--patch", patch.toString()}, endpoints));
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode doc = new ObjectMapper().readTree(json.out());
    assertThat(doc.at("/profile/runs").asLong()).isEqualTo(8);
    assertThat(doc.at("/profile/nodes/slow/executions").asLong()).isEqualTo(8);
    // (eight cold runs: which node is the bottleneck is ReplayIT's business, after a warm-up)
    assertThat(doc.at("/recommendation/bottleneck").asText()).isIn("fast", "slow");
    assertThat(Files.readString(html)).contains("svg.chart", "<title>mesh profile: " + name);
    assertThat(GraphLoader.parseSpec(Files.readString(patch), "deploy.patch.yaml", graph).node("slow").replicas()).isEqualTo(1);

    Result table = run(new ProfileCommand(), concat(new String[] {graphFile.toString(), "--from-offset", "0", "--to-offset", "100"}, endpoints));
    assertThat(table.code()).as(table.err()).isZero();
    assertThat(table.out()).contains("NODE", "fast -> slow", "THROUGHPUT");

    String target = infra.uniqueName("cli-replay");
    Path targetFile = dir.resolve("target.yaml");
    Files.writeString(targetFile, mesh.graphYaml(target));
    long calls = mesh.modelCalls();
    Result replay = run(new ReplayCommand(), concat(new String[] {graphFile.toString(), "--into", targetFile.toString(),
        "--speed", "0", "--deterministic", "--wait", "60s"}, endpoints));
    assertThat(replay.code()).as(replay.out() + replay.err()).isZero();
    assertThat(replay.out()).contains("deterministic replay of 8 runs", "8 finished (0 failed)", "16 node outputs served",
        "0 inputs had no recording");
    assertThat(mesh.modelCalls()).isEqualTo(calls);
  }

  private record Result(int code, String out, String err) {}

  private static Result run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    cli.setExecutionExceptionHandler((e, c, p) -> {
      e.printStackTrace(c.getErr());
      return 1;
    });
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
