package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.state.NodeVisit;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped examples run end to end on the mesh with their own simulator scripts and deploy
 * specs, and end with the scripted answers. Graph names are fixed by the files, so runs are told
 * apart by run id and topics may already exist.
 */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExamplesIT {

  private static final String SIMULATOR_URL = "http://localhost:8000/v1";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final SharedInfra infra;

  ExamplesIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void supportTriageRoutesEachTicketToItsAgent() throws Exception {
    Path dir = example("support-triage");
    try (ModelSimulator simulator = simulator(dir); MeshHarness mesh = deploy(dir, simulator)) {
      mesh.startAll();
      String billing = "triage-billing-" + UUID.randomUUID();
      String technical = "triage-technical-" + UUID.randomUUID();
      String other = "triage-other-" + UUID.randomUUID();
      mesh.submit(billing, "{\"ticket\": \"I was charged twice this month, please refund me\"}");
      mesh.submit(technical, "{\"runId\": \"" + technical + "\", \"input\": {\"ticket\": \"I get an error when I log in\"}}");
      mesh.submit(other, "{\"ticket\": \"Can I speak to someone about my account?\", \"customer\": \"c-42\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(billing, technical, other), WAIT);

      assertThat(text(single(results, billing))).startsWith("Billing: I found the duplicate charge");
      assertThat(text(single(results, technical))).startsWith("Technical: 1. Sign out everywhere.");
      assertThat(text(single(results, other))).startsWith("Escalation: customer needs a human.");
      assertThat(mesh.runRecord(billing).orElseThrow().nodes()).containsKeys("triage", "billing").doesNotContainKey("technical");
    }
  }

  @Test
  void researchPipelinePlansResearchesAndWritesTheReport() throws Exception {
    Path dir = example("research-pipeline");
    try (ModelSimulator simulator = simulator(dir); MeshHarness mesh = deploy(dir, simulator)) {
      mesh.startAll();
      String runId = "research-" + UUID.randomUUID();
      mesh.submit(runId, "{\"question\": \"What is KRaft?\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(text(result)).startsWith("Summary: the topic is well understood, widely used, and bounded by cost and latency.");
      assertThat(result.getHops()).isEqualTo(3);
      assertThat(simulator.stats().model("sim-large").requests()).isEqualTo(3); // one call per node
      RunRecord record = mesh.runRecord(runId).orElseThrow();
      assertThat(record.nodes().values()).allSatisfy(node -> assertThat(node.tokensIn()).isPositive());
      assertThat(result.getTokensIn()).as("the result reports every node's tokens, the last one's too")
          .isEqualTo(record.tokensIn()).isEqualTo(record.nodes().values().stream().mapToLong(NodeVisit::tokensIn).sum());
      assertThat(result.getTokensOut()).isEqualTo(record.tokensOut());
    }
  }

  @Test
  void codeReviewCrewLoopsUntilTheJudgeApproves(@org.junit.jupiter.api.io.TempDir Path state) throws Exception {
    Path dir = example("code-review-crew");
    try (ModelSimulator simulator = simulator(dir); MeshHarness mesh = deploy(dir, simulator)) {
      mesh.runtime().stateDir(state).startAll();
      String runId = "review-" + UUID.randomUUID();
      mesh.submit(runId, "{\"task\": \"Write slugify(title) for blog post URLs\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(runId), WAIT);

      RunResult result = single(results, runId);
      assertThat(text(result)).contains("\"approved\":true").contains("Approved: security, style and tests");
      assertThat(simulator.stats().model("sim-developer").requests()).as("two rounds").isEqualTo(2);
      assertThat(simulator.stats().model("sim-tests").requests()).isEqualTo(2);
      assertThat(simulator.stats().model("sim-judge").requests()).isEqualTo(2);
      assertThat(result.getHops()).isEqualTo(8); // developer, review, join, judge; twice
    }
  }

  @Test
  void researchTeamFansOutOneResearcherPerSubQuestion(@org.junit.jupiter.api.io.TempDir Path state) throws Exception {
    Path dir = example("research-team");
    try (ModelSimulator simulator = simulator(dir); MeshHarness mesh = deploy(dir, simulator)) {
      mesh.runtime().stateDir(state).startAll();
      String runId = "team-" + UUID.randomUUID();
      mesh.submit(runId, "{\"topic\": \"KRaft\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(runId), WAIT);

      assertThat(text(single(results, runId))).startsWith("Report: four notes gathered in parallel.");
      assertThat(simulator.stats().model("sim-research").requests()).as("planner, 4 researchers, writer").isEqualTo(6);
      assertThat(mesh.hops("notes", "writer", 1, WAIT).stream().filter(h -> h.getRunId().equals(runId)).findFirst().orElseThrow()
          .getPayload()).satisfies(payload -> assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(payload.duplicate()).toString())
          .contains("Definition: KRaft").contains("Practice: large operators run KRaft").contains("Limits: KRaft")
          .contains("Outlook: work on KRaft"));
    }
  }

  @Test
  void hierarchicalTeamsRunTheResearchSquadAsOneNode() throws Exception {
    Path dir = example("hierarchical-teams");
    try (ModelSimulator simulator = simulator(dir); MeshHarness mesh = deploy(dir, simulator)) {
      mesh.startAll();
      String runId = "teams-" + UUID.randomUUID();
      mesh.submit(runId, "{\"question\": \"Why do Kafka transactions need markers?\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(runId), WAIT);

      assertThat(text(single(results, runId))).startsWith("Answer: the research squad's findings agree.");
      assertThat(simulator.stats().model("sim-large").requests()).as("lead and editor").isEqualTo(2);
      assertThat(simulator.stats().model("sim-small").requests()).as("the squad's searcher and summariser").isEqualTo(2);
      assertThat(mesh.runRecord(runId).orElseThrow().nodes()).containsOnlyKeys("lead", "research", "editor");
    }
  }

  /** The example's own simulator script on a free port, apart from the shared simulator. */
  private static ModelSimulator simulator(Path dir) {
    return ModelSimulator.builder().port(0).configFile(dir.resolve("simulator.yaml")).build().start();
  }

  private MeshHarness deploy(Path dir, ModelSimulator simulator) throws Exception {
    Graph graph = GraphLoader.load(dir.resolve("graph.yaml"));
    UnaryOperator<String> toSimulator = url -> url.startsWith(SIMULATOR_URL.replace("/v1", ""))
        ? simulator.baseUrl() : url;
    return MeshHarness.of(infra, graph, GraphLoader.loadSpec(dir.resolve("deploy.yaml"), graph), toSimulator);
  }

  private static RunResult single(Map<String, List<RunResult>> results, String runId) {
    assertThat(results.get(runId)).as("results of run " + runId).hasSize(1);
    RunResult result = results.get(runId).getFirst();
    assertThat(result.getStatus()).as("status of " + runId + ": " + result.getError()).isEqualTo(RunStatus.SUCCEEDED);
    return result;
  }

  static String text(RunResult result) {
    return result.getOutput() == null ? "" : StandardCharsets.UTF_8.decode(result.getOutput().duplicate()).toString();
  }

  static Path example(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("examples").resolve(name);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("examples/" + name + " not found above " + Path.of("").toAbsolutePath());
  }
}
