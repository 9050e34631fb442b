package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.state.Message;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
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
 * examples/supervisor end to end: a supervisor llm delegates to three workers by routing on its
 * JSON output, loops through itself until it says done, and hands a run it must not handle to a
 * human-escalation agent that sees the team's conversation (shared memory).
 */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TeamsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final SharedInfra infra;

  TeamsIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void supervisorDelegatesToWorkersUntilDoneAndHandsOffToAHuman() throws Exception {
    Path dir = ExamplesIT.example("supervisor");
    try (ModelSimulator simulator = ModelSimulator.builder().port(0).configFile(dir.resolve("simulator.yaml")).build().start();
         MeshHarness mesh = deploy(dir, simulator)) {
      mesh.startAll();
      String feature = "team-feature-" + UUID.randomUUID();
      String legal = "team-legal-" + UUID.randomUUID();
      mesh.submit(feature, "{\"request\": \"Add a CSV export to the reports page\"}");
      mesh.submit(legal, "{\"request\": \"Your bug cost me money, my lawyer will call you\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(feature, legal), WAIT);

      RunResult done = results.get(feature).getFirst();
      assertThat(done.getStatus()).as(String.valueOf(done.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(done)).contains("\"next\":\"done\"")
          .contains("CSV export is live: open Reports and choose Export; files up to 50 MB.");
      assertThat(done.getHops()).as("supervisor, researcher, supervisor, coder, supervisor, writer, supervisor").isEqualTo(7);
      assertThat(mesh.runRecord(feature).orElseThrow().nodes())
          .containsKeys("supervisor", "researcher", "coder", "writer").doesNotContainKey("human_escalation");

      RunResult handedOff = results.get(legal).getFirst();
      assertThat(handedOff.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(handedOff)).startsWith("Hand-over: customer threatens legal action");
      assertThat(mesh.runRecord(legal).orElseThrow().nodes()).containsKeys("supervisor", "human_escalation")
          .doesNotContainKey("researcher");
      List<Message> context = HopHandler.await(mesh.redis().memory().all(legal, "team"));
      assertThat(context).extracting(Message::content).as("the escalation desk got the supervisor's turn as context")
          .containsSubsequence("{\"request\":\"Your bug cost me money, my lawyer will call you\"}",
              "Handoff: the customer mentions legal action (lawyer); a human must answer");
    }
  }

  private MeshHarness deploy(Path dir, ModelSimulator simulator) throws Exception {
    Graph graph = GraphLoader.load(dir.resolve("graph.yaml"));
    UnaryOperator<String> toSimulator = url -> url.startsWith("http://localhost:8000") ? simulator.baseUrl() : url;
    return MeshHarness.of(infra, graph, GraphLoader.loadSpec(dir.resolve("deploy.yaml"), graph), toSimulator);
  }
}
