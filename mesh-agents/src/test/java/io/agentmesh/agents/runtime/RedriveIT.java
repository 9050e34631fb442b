package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Faults;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A run that failed for want of a model completes once the model is back and its dead letter is re-driven. */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedriveIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  RedriveIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void redrivingTheDeadLetterCompletesTheFailedRun() throws Exception {
    String model = infra.uniqueName("sim-outage");
    infra.simulator().putModel(ModelBehaviour.builder(model).faults(Faults.none().withError500(1.0)).build());
    String name = infra.uniqueName("redrive");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s, retries: 1}
        nodes:
          prep: {type: java, class: %s}
          ask: {type: llm, model: m, prompt: "{{input.question}}"}
        edges:
          - {from: START, to: prep}
          - {from: prep, to: ask}
          - {from: ask, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, GuardsIT.Echo.class.getName()));
         DeadLetterQueue dlq = DeadLetterQueue.of(infra.kafkaBootstrap(), mesh.topics, mesh.codec, mesh.redis().runRecords())) {
      mesh.startAll();
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"question\": \"is the model back?\"}");
      GuardsIT.assertFailed(mesh.result(runId, WAIT), ErrorCode.RETRIES_EXHAUSTED, "node 'ask'");
      mesh.deadLetters("ask", 1, WAIT);

      infra.simulator().putModel(ModelBehaviour.builder(model).defaultReply("yes, it is back").build());
      List<DeadLetterQueue.Entry> letters = dlq.list(Optional.empty(), WAIT);
      assertThat(letters).hasSize(1);
      DeadLetterQueue.Entry letter = letters.getFirst();
      assertThat(letter.topic()).isEqualTo(mesh.topics.dlq("ask"));
      assertThat(letter.letter().getRunId()).isEqualTo(runId);
      assertThat(dlq.show(DeadLetterQueue.parseReference(letter.reference()), WAIT)).contains(letter);

      DeadLetterQueue.Redrive redrive = dlq.redrive(letter);

      assertThat(redrive.runReopened()).isTrue();
      assertThat(redrive.published().topic()).isEqualTo(mesh.topics.edge("prep", "ask"));
      List<RunResult> results = mesh.resultsOf(runId, 2, WAIT);
      assertThat(results).extracting(RunResult::getStatus).containsExactly(RunStatus.FAILED, RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(results.get(1))).isEqualTo("yes, it is back");
      var record = mesh.runRecord(runId).orElseThrow();
      assertThat(record.status()).isEqualTo(io.agentmesh.core.state.RunStatus.SUCCEEDED);
      assertThat(record.error()).isEmpty();
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(3); // two failed attempts, then one answer
    }
  }
}
