package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunStatus;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task published by kcat (librdkafka, no Java and no Avro) is processed, and its result is read
 * back by kcat: the key is the run id, the value Avro bytes in the Confluent wire format. Skipped
 * when kcat is not on the PATH.
 */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NonJavaClientIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  NonJavaClientIT(SharedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void needsKcat() {
    Assumptions.assumeTrue(onPath("kcat"), "kcat is not on the PATH (Debian/Ubuntu: apt-get install -y kcat): test skipped");
  }

  @Test
  void processesPlainJsonPublishedByKcatAndKcatReadsTheResult() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, graph())) {
      mesh.startAll();
      String runId = infra.uniqueName("kcat");

      kcat("{\"question\": \"What is KRaft?\"}\n", "-P", "-b", infra.kafkaBootstrap(), "-t", mesh.topics.ingress(), "-k", runId);

      assertThat(mesh.result(runId, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      String consumed = readResultsWithKcat(mesh, runId);
      assertThat(consumed).contains("\"key\":\"" + runId + "\"").contains("done " + runId);
    }
  }

  @Test
  void acceptsTheDocumentedEnvelopeWithTheRunIdInside() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, graph())) {
      mesh.startAll();
      String runId = infra.uniqueName("kcat");

      // as in docs/wire-format.md: key and value separated by '|'
      kcat(runId + "|{\"runId\": \"" + runId + "\", \"input\": {\"question\": \"Why Kafka?\"}, \"metadata\": {\"tenant\": \"acme\"}}\n",
          "-P", "-b", infra.kafkaBootstrap(), "-t", mesh.topics.ingress(), "-K", "|");

      var result = mesh.result(runId, WAIT);
      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("done " + runId);
      assertThat(readResultsWithKcat(mesh, runId)).contains("\"key\":\"" + runId + "\"");
    }
  }

  private String graph() {
    return """
        name: %s
        nodes:
          work: {type: java, class: %s}
        edges:
          - {from: START, to: work}
          - {from: work, to: END}
        """.formatted(infra.uniqueName("kcat"), ScalingIT.Slow.class.getName());
  }

  /** The results topic as kcat prints it (-J: one JSON object per message); read_committed is librdkafka's default. */
  private String readResultsWithKcat(MeshHarness mesh, String runId) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String out;
    do {
      out = kcat("", "-C", "-b", infra.kafkaBootstrap(), "-t", mesh.topics.results(), "-o", "beginning", "-e", "-J", "-q");
    } while (!out.contains(runId) && System.nanoTime() < deadline);
    return out;
  }

  private static String kcat(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kcat"));
    command.addAll(List.of(args));
    Path output = Files.createTempFile("kcat", ".out");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kcat " + args[0] + " did not finish in 30 s: " + new String(Files.readAllBytes(output), StandardCharsets.UTF_8));
      }
      String text = new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as("kcat %s exit status; output: %s", String.join(" ", args), text).isZero();
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
