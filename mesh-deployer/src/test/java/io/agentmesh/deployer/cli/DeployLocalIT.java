package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mesh deploy --target local} runs an example here, end to end, on its own embedded infrastructure. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeployLocalIT {

  @Test
  void runsTheSupportTriageExampleEndToEnd(@TempDir Path dataDir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MeshCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("deploy", "--target", "local",
        "../examples/support-triage/graph.yaml", "../examples/support-triage/deploy.yaml",
        "--data-dir", dataDir.toString(),
        "--input", "{\"ticket\": \"I was charged twice on my last invoice\"}");

    assertThat(exit).as("stdout:%n%s%nstderr:%n%s", out, err).isZero();
    assertThat(out.toString()).contains("\"status\" : \"SUCCEEDED\"").contains("Billing:");
  }
}
