package io.agentmesh.agents.runtime;

import io.agentmesh.schemas.serde.WireCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.FaultKind;
import io.agentmesh.infra.model.Faults;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.core.state.NodeVisit;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.schemas.avro.ClaimCheck;
import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model faults and bad input on the real mesh: retries, dead letters with failure results, poison
 * bytes, the fallback model and the circuit breaker.
 */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailuresIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final SharedInfra infra;

  FailuresIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void retriesTransientServerErrorsUntilTheModelAnswers() throws Exception {
    // error500 at rate 0.5 with seed 1782: the model's requests 0, 1 and 2 fail and the next eleven
    // succeed (draws are counter-based), so three runs see three 500s between them, whatever the order
    String model = infra.uniqueName("sim-flaky");
    infra.simulator().putModel(ModelBehaviour.builder(model).seed(1782)
        .faults(Faults.none().withError500(0.5)).defaultReply("answered").build());
    try (MeshHarness mesh = MeshHarness.of(infra, llmGraph("retry", model, "retries: 3"))) {
      MeshRuntime runtime = mesh.startAll();
      List<String> runs = submit(mesh, 3);

      Map<String, List<RunResult>> results = mesh.results(runs, WAIT);

      long tokensOut = 0;
      long modelMicros = 0;
      for (String run : runs) {
        assertThat(results.get(run)).as("results of %s", run).hasSize(1);
        assertThat(results.get(run).getFirst().getStatus()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ExamplesIT.text(results.get(run).getFirst())).isEqualTo("answered");
        NodeVisit ask = mesh.runRecord(run).orElseThrow().nodes().get("ask");
        tokensOut += ask.tokensOut();
        modelMicros += ask.modelMicros();
      }
      var stats = infra.simulator().stats().model(model);
      assertThat(stats.faults(FaultKind.ERROR_500)).isEqualTo(3);
      assertThat(stats.requests()).isEqualTo(6).isGreaterThan(runs.size());
      // the node's requests as Prometheus sees them: three answered, three retries between them
      MeterRegistry meters = mesh.meters(runtime);
      var latency = meters.get(MeshMetric.MODEL_LATENCY.metricName()).tags("node", "ask", "model", "m").timer();
      assertThat(latency.count()).isEqualTo(3);
      // the run records keep the same model time, to the microsecond (each call's time rounded down)
      assertThat(modelMicros).isPositive()
          .isCloseTo((long) latency.totalTime(TimeUnit.MICROSECONDS), within(3L));
      assertThat(meters.get(MeshMetric.MODEL_RETRIES.metricName()).tags("node", "ask", "model", "m").counter().count()).isEqualTo(3);
      assertThat(meters.get(MeshMetric.MODEL_TOKENS.metricName()).tags("node", "ask", "model", "m", "direction", "out")
          .counter().count()).isPositive().isEqualTo(tokensOut);
      // and on the events topic: each failed call a RETRY_SCHEDULED event, before the node's NODE_COMPLETED
      List<RunEvent> retries = new ArrayList<>();
      for (String run : runs) {
        List<RunEvent> events = mesh.events(run, RunEventType.RUN_SUCCEEDED, WAIT);
        List<RunEventType> types = events.stream().map(RunEvent::getType).toList();
        assertThat(types).as("events of %s", run).contains(RunEventType.NODE_COMPLETED);
        assertThat(types.subList(types.indexOf(RunEventType.NODE_COMPLETED), types.size()))
            .as("events of %s", run).doesNotContain(RunEventType.RETRY_SCHEDULED);
        events.stream().filter(e -> e.getType() == RunEventType.RETRY_SCHEDULED).forEach(retries::add);
      }
      assertThat(retries).hasSize(3).allSatisfy(e -> {
        assertThat(e.getNode()).isEqualTo("ask");
        assertThat(e.getDetailContentType()).isEqualTo("application/json");
        assertThat(StandardCharsets.UTF_8.decode(e.getDetail()).toString())
            .contains("\"error\":\"ModelServerException\"").contains("\"failedAttempt\":");
      });
    }
  }

  @Test
  void deadLettersTheInputAndFailsTheRunWhenRetriesAreExhausted() throws Exception {
    String model = infra.uniqueName("sim-down");
    infra.simulator().putModel(ModelBehaviour.builder(model).faults(Faults.none().withError500(1.0)).build());
    try (MeshHarness mesh = MeshHarness.of(infra, llmGraph("exhausted", model, "retries: 1"))) {
      MeshRuntime runtime = mesh.startAll();
      String runId = infra.uniqueName("run");
      String task = "{\"question\": \"anyone there?\"}";
      mesh.submit(runId, task);

      RunResult result = mesh.result(runId, WAIT);
      GuardsIT.assertFailed(result, ErrorCode.RETRIES_EXHAUSTED, "node 'ask'");

      List<DeadLetter> letters = mesh.deadLetters("ask", 1, WAIT);
      assertThat(letters).hasSize(1);
      DeadLetter letter = letters.getFirst();
      assertThat(bytes(letter.getOriginalValue())).isEqualTo(task.getBytes(StandardCharsets.UTF_8));
      assertThat(new String(bytes(letter.getOriginalKey()), StandardCharsets.UTF_8)).isEqualTo(runId);
      assertThat(letter.getSourceTopic()).isEqualTo(mesh.topics.ingress());
      assertThat(letter.getRunId()).isEqualTo(runId);
      assertThat(letter.getNode()).isEqualTo("ask");
      assertThat(letter.getErrorClass()).endsWith("RetriesExhaustedException");
      assertThat(letter.getAttempts()).hasSize(2) // retries: 1 = two attempts, each a 500
          .allSatisfy(a -> assertThat(a.getErrorClass()).contains("ModelServerException"));
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(2);

      RunRecord record = mesh.runRecord(runId).orElseThrow();
      assertThat(record.status()).isEqualTo(io.agentmesh.core.state.RunStatus.FAILED);
      assertThat(record.error().orElseThrow().code()).isEqualTo("RETRIES_EXHAUSTED");
      MeterRegistry meters = mesh.meters(runtime);
      assertThat(meters.get(MeshMetric.MODEL_RETRIES.metricName()).tags("node", "ask", "model", "m").counter().count()).isEqualTo(1);
      assertThat(meters.get(MeshMetric.MODEL_LATENCY.metricName()).tags("node", "ask", "model", "m").timer().count()).isZero();
      // the first 500 was retried, the second ended the run
      assertThat(mesh.events(runId, RunEventType.RUN_FAILED, WAIT)).extracting(RunEvent::getType)
          .containsExactly(RunEventType.RUN_STARTED, RunEventType.RETRY_SCHEDULED, RunEventType.RUN_FAILED);
    }
  }

  @Test
  void deadLettersPoisonBytesOnAnEdgeAndKeepsProcessing() throws Exception {
    String name = infra.uniqueName("poison");
    try (MeshHarness mesh = MeshHarness.of(infra, GuardsIT.echoLine(name, "first", "second"))) {
      mesh.startAll();
      String poisoned = infra.uniqueName("run");
      byte[] garbage = "\u0007 not avro, not anything".getBytes(StandardCharsets.UTF_8);
      mesh.send(mesh.topics.edge("first", "second"), poisoned, garbage);
      String healthy = infra.uniqueName("run");
      mesh.submit(healthy, "{\"still\": \"alive\"}");

      assertThat(mesh.result(healthy, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      GuardsIT.assertFailed(mesh.result(poisoned, WAIT), ErrorCode.POISON_MESSAGE, "undecodable message");
      List<DeadLetter> letters = mesh.deadLetters("second", 1, WAIT);
      assertThat(letters).hasSize(1);
      assertThat(bytes(letters.getFirst().getOriginalValue())).isEqualTo(garbage);
      assertThat(letters.getFirst().getRunId()).isEqualTo(poisoned);
      assertThat(letters.getFirst().getSourceTopic()).isEqualTo(mesh.topics.edge("first", "second"));
    }
  }

  /**
   * A failure of the mesh itself, not of the node (here a claim-checked input whose payload is gone
   * from Redis), fails its run like any other: a dead letter naming the run, a failure result, the
   * run record marked failed; the worker carries on.
   */
  @Test
  void aHopTheMeshCannotHandleFailsItsRunWithADeadLetterAndTheWorkerGoesOn() throws Exception {
    String name = infra.uniqueName("lost-claim");
    try (MeshHarness mesh = MeshHarness.of(infra, GuardsIT.echoLine(name, "first", "second"))) {
      mesh.startAll();
      String healthy = infra.uniqueName("run");
      mesh.submit(healthy, "{\"a\": 1}");
      assertThat(mesh.result(healthy, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);

      // the same hop for another run, its payload by reference to a claim check that is not there
      String broken = infra.uniqueName("run");
      Hop real = mesh.hops("first", "second", 1, WAIT).getFirst();
      Hop lost = Hop.newBuilder(real).setRunId(broken).setInputId(broken + ":first")
          .setPayload(ByteBuffer.allocate(0))
          .setClaimCheck(new ClaimCheck("agentmesh:{" + broken + "}:claimcheck:0000", 10L, "00".repeat(32)))
          .build();
      String edge = mesh.topics.edge("first", "second");
      mesh.send(edge, broken, mesh.codec.encode(edge, lost));
      String after = infra.uniqueName("run");
      mesh.submit(after, "{\"b\": 2}");

      GuardsIT.assertFailed(mesh.result(broken, WAIT), ErrorCode.INTERNAL, "node 'second': the mesh could not handle the hop");
      assertThat(mesh.result(after, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      List<DeadLetter> letters = mesh.deadLetters("second", 1, WAIT);
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.getRunId()).isEqualTo(broken);
        assertThat(letter.getSourceTopic()).isEqualTo(edge);
        assertThat(letter.getErrorClass()).endsWith("ClaimCheckException");
      });
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(mesh.runRecord(broken)).hasValueSatisfying(
          record -> assertThat(record.status()).isEqualTo(io.agentmesh.core.state.RunStatus.FAILED)));
    }
  }

  /** A run id cannot contain braces (it is the hash tag of the run's Redis keys): that task fails alone. */
  @Test
  void aTaskWhoseRunIdCannotNameItsKeysFailsAloneWithADeadLetter() throws Exception {
    String name = infra.uniqueName("bad-id");
    try (MeshHarness mesh = MeshHarness.of(infra, GuardsIT.echoLine(name, "only"))) {
      mesh.startAll();
      String bad = infra.uniqueName("run") + "{x}";
      mesh.submit(bad, "{\"a\": 1}");
      String good = infra.uniqueName("run");
      mesh.submit(good, "{\"b\": 2}");

      GuardsIT.assertFailed(mesh.result(bad, WAIT), ErrorCode.VALIDATION, "runId must not contain '{' or '}'");
      assertThat(mesh.result(good, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(mesh.deadLetters("only", 1, WAIT)).singleElement()
          .satisfies(letter -> assertThat(letter.getRunId()).isEqualTo(bad));
    }
  }

  @Test
  void answersFromTheFallbackModelWhenThePrimaryAlwaysFails() throws Exception {
    String primary = infra.uniqueName("sim-broken");
    String backup = infra.uniqueName("sim-backup");
    infra.simulator().putModel(ModelBehaviour.builder(primary).faults(Faults.none().withError500(1.0)).build());
    infra.simulator().putModel(ModelBehaviour.builder(backup).defaultReply("from the fallback").build());
    String name = infra.uniqueName("fallback");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          main: {baseUrl: "%s", model: %s, timeout: 5s, retries: 1, fallback: spare}
          spare: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          ask: {type: llm, model: main}
        edges:
          - {from: START, to: ask}
          - {from: ask, to: END}
        """.formatted(name, infra.simulator().baseUrl(), primary, infra.simulator().baseUrl(), backup))) {
      mesh.startAll();
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"question\": \"hello?\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("from the fallback");
      assertThat(infra.simulator().stats().model(primary).requests()).isEqualTo(2);
      assertThat(infra.simulator().stats().model(backup).requests()).isEqualTo(1);
    }
  }

  @Test
  void theBreakerOpensUnderSustainedFailureSoLaterAttemptsFailFast() throws Exception {
    // 12 runs x 4 attempts would be 48 calls; the breaker (window 20, evaluated from 10 calls, opens
    // at 50 %) opens after about ten 500s, and every later attempt fails without a call
    String model = infra.uniqueName("sim-outage");
    infra.simulator().putModel(ModelBehaviour.builder(model).faults(Faults.none().withError500(1.0)).build());
    try (MeshHarness mesh = MeshHarness.of(infra, llmGraph("breaker", model, "retries: 3"))) {
      mesh.startAll();
      List<String> runs = submit(mesh, 12);

      Map<String, List<RunResult>> results = mesh.results(runs, WAIT);

      assertThat(results).hasSize(12);
      results.values().forEach(r -> GuardsIT.assertFailed(r.getFirst(), ErrorCode.RETRIES_EXHAUSTED, "node 'ask'"));
      long calls = infra.simulator().stats().model(model).requests();
      assertThat(calls).as("model calls made for 12 runs of up to 4 attempts").isBetween(10L, 24L);
      List<DeadLetter> letters = mesh.deadLetters("ask", 12, WAIT);
      assertThat(letters).hasSize(12);
      long recordedCalls = letters.stream().flatMap(l -> l.getAttempts().stream())
          .filter(a -> a.getErrorClass().contains("ModelServerException")).count();
      assertThat(recordedCalls).as("every real call is in some dead letter's attempt history").isEqualTo(calls);
    }
  }

  private String llmGraph(String prefix, String model, String modelSettings) {
    return """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s, %s}
        nodes:
          ask: {type: llm, model: m, prompt: "{{input.question}}"}
        edges:
          - {from: START, to: ask}
          - {from: ask, to: END}
        """.formatted(infra.uniqueName(prefix), infra.simulator().baseUrl(), model, modelSettings);
  }

  private List<String> submit(MeshHarness mesh, int count) {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"question\": \"question " + i + "\"}");
      runs.add(runId);
    }
    return runs;
  }

  static byte[] bytes(java.nio.ByteBuffer buffer) {
    return WireCodec.bytes(buffer);
  }
}
