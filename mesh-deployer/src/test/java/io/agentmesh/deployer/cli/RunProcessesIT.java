package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mesh run --processes}: the research pipeline with its workers in child processes laid out
 * as deploy.yaml's {@code processes:} says (planner and writer in one, the researcher in another),
 * on its own embedded infrastructure, end to end.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RunProcessesIT {

  @Test
  void runsTheResearchPipelineInChildProcessesAsTheSpecCoLocatesThem(@TempDir Path dir) throws Exception {
    Path deploy = dir.resolve("deploy.yaml");
    Files.writeString(deploy, """
        nodes:
          researcher: {replicas: 1}
        processes:
          - {name: edges, nodes: [planner, writer]}
        """);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MeshCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("run", "../examples/research-pipeline/graph.yaml", deploy.toString(), "--processes",
        "--data-dir", dir.resolve("data").toString(), "--gateway-port", "-1",
        "--input", "{\"question\": \"Why do rivers meander?\"}");

    assertThat(exit).as("stdout:%n%s%nstderr:%n%s", out, err).isZero();
    assertThat(out.toString()).contains("3 nodes, 2 agent processes").contains("\"status\" : \"SUCCEEDED\"");
    Path logs = dir.resolve("data").resolve("logs");
    try (var files = Files.list(logs)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("edges-0.log", "researcher-0.log");
    }
    // each child says which nodes it consumes for: the co-located pair in one, the researcher alone
    assertThat(Files.readString(logs.resolve("edges-0.log"))).contains("node planner: replica").contains("node writer: replica")
        .doesNotContain("node researcher: replica");
    assertThat(Files.readString(logs.resolve("researcher-0.log"))).contains("node researcher: replica")
        .doesNotContain("node planner: replica");
  }
}
