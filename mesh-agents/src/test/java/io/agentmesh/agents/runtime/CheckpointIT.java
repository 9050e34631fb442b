package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Effects once: a redelivered input whose checkpoint exists is answered from Redis, not from the model. */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CheckpointIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  CheckpointIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void reEmitsTheRecordedOutputOfARedeliveredInputWithoutCallingTheModelAgain() throws Exception {
    String model = infra.uniqueName("sim-once");
    // a generated reply (no default): any second call would be visible in the counters, not in the text;
    // 40 ms per call, so the node's service time stands well above a checkpoint read's
    infra.simulator().putModel(ModelBehaviour.builder(model).seed(11).latency(Latency.fixed(Duration.ofMillis(40))).build());
    String name = infra.uniqueName("ckpt");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          writer: {type: llm, model: m, prompt: "Write about {{input.topic}}"}
          echo: {type: java, class: %s}
        edges:
          - {from: START, to: writer}
          - {from: writer, to: echo}
          - {from: echo, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, GuardsIT.Echo.class.getName()))) {
      MeshRuntime runtime = mesh.startAll();
      String runId = infra.uniqueName("run");
      String task = "{\"topic\": \"checkpoints\"}";
      mesh.submit(runId, task);
      RunResult first = mesh.result(runId, WAIT);
      assertThat(first.getStatus()).isEqualTo(RunStatus.SUCCEEDED);

      runtime = mesh.redeliverFromStart(runtime, "writer"); // the task comes again, as after a crash

      List<Hop> hops = mesh.hops("writer", "echo", 2, WAIT);
      assertThat(hops).hasSize(2);
      assertThat(hops.get(1).getInputId()).isEqualTo(hops.get(0).getInputId());
      assertThat(WireCodec.bytes(hops.get(1).getPayload())).isEqualTo(WireCodec.bytes(hops.get(0).getPayload()));
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(1);
      assertThat(mesh.meters(runtime).get("mesh.checkpoint.hits").tag("node", "writer").counter().count()).isEqualTo(1);
      Map<String, List<RunResult>> results = mesh.results(Set.of(runId), WAIT);
      assertThat(results.get(runId)).extracting(ExamplesIT::text).containsOnly(ExamplesIT.text(first));

      // the re-sent NODE_COMPLETED reports the node's work as recorded, not the checkpoint read's few ms
      List<RunEvent> completed = new ArrayList<>();
      await().atMost(WAIT).untilAsserted(() -> {
        completed.clear();
        mesh.events(runId, RunEventType.RUN_SUCCEEDED, WAIT).stream()
            .filter(e -> e.getType() == RunEventType.NODE_COMPLETED && "writer".equals(e.getNode()))
            .forEach(completed::add);
        assertThat(completed).hasSize(2);
      });
      RunEvent original = completed.get(0);
      assertThat(original.getModelMs()).isGreaterThanOrEqualTo(40);
      assertThat(original.getServiceMs()).isGreaterThanOrEqualTo(original.getModelMs());
      assertThat(completed.get(1)).extracting(RunEvent::getServiceMs, RunEvent::getModelMs, RunEvent::getTokensIn,
          RunEvent::getTokensOut).containsExactly(original.getServiceMs(), original.getModelMs(), original.getTokensIn(),
          original.getTokensOut());
    }
  }
  @Test
  void routesARedeliveredJsonOutputFromItsCheckpointAsItDidTheFirstTime() throws Exception {
    String model = infra.uniqueName("sim-pick");
    infra.simulator().putModel(ModelBehaviour.builder(model).defaultReply("{\"kind\": \"b\"}").build());
    String name = infra.uniqueName("ckpt-route");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          pick:
            type: llm
            model: m
            prompt: "Pick a branch for {{input.topic}}"
            output: {format: json, schema: {type: object, required: [kind], properties: {kind: {type: string}}}}
          a: {type: java, class: %s}
          b: {type: java, class: %s}
        edges:
          - {from: START, to: pick}
          - {from: pick, to: a, when: "output.kind == 'a'"}
          - {from: pick, to: b, when: "output.kind == 'b'"}
          - {from: a, to: END}
          - {from: b, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, GuardsIT.Echo.class.getName(), GuardsIT.Echo.class.getName()))) {
      MeshRuntime runtime = mesh.startAll();
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"topic\": \"routing\"}");
      assertThat(mesh.result(runId, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);

      runtime = mesh.redeliverFromStart(runtime, "pick");

      // the checkpoint keeps the output alone; the route is decided from it again, the same way
      List<Hop> hops = mesh.hops("pick", "b", 2, WAIT);
      assertThat(hops).hasSize(2);
      assertThat(hops.get(1).getInputId()).isEqualTo(hops.get(0).getInputId());
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(1);
      assertThat(mesh.meters(runtime).get("mesh.checkpoint.hits").tag("node", "pick").counter().count()).isEqualTo(1);
    }
  }
}
