package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an llm node with JSON output makes of the answers real models give. */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LlmOutputIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  LlmOutputIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Models often wrap JSON in a Markdown fence; the node keeps the JSON alone and routes on it. */
  @Test
  void jsonInAMarkdownFenceIsRoutedAndPassedOnWithoutTheFence() throws Exception {
    String model = infra.uniqueName("sim-fenced");
    infra.simulator().putModel(ModelBehaviour.builder(model)
        .defaultReply("```json\n{\"kind\": \"b\", \"n\": 2}\n```").build());
    String name = infra.uniqueName("fenced");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          pick:
            type: llm
            model: m
            prompt: "Pick a branch for {{input.topic}}"
            output: {format: json, schema: {type: object, required: [kind], properties: {kind: {type: string}, n: {type: integer}}}}
          a: {type: java, class: %s}
          b: {type: java, class: %s}
        edges:
          - {from: START, to: pick}
          - {from: pick, to: a, when: "output.kind == 'a'"}
          - {from: pick, to: b, when: "output.kind == 'b' && output.n == 2"}
          - {from: a, to: END}
          - {from: b, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, GuardsIT.Echo.class.getName(), GuardsIT.Echo.class.getName()))) {
      mesh.startAll();
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"topic\": \"fences\"}");

      RunResult result = mesh.result(runId, WAIT);
      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("{\"kind\": \"b\", \"n\": 2}");
      assertThat(mesh.runRecord(runId).orElseThrow().nodes()).containsKeys("pick", "b").doesNotContainKey("a");
    }
  }

  /** A node's schema may ask for a list rather than an object. */
  @Test
  void jsonOutputWhoseSchemaIsAnArrayCompletesTheRun() throws Exception {
    String model = infra.uniqueName("sim-list");
    infra.simulator().putModel(ModelBehaviour.builder(model).defaultReply("[\"x\", \"y\"]").build());
    String name = infra.uniqueName("list");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          list:
            type: llm
            model: m
            prompt: "List two letters"
            output: {format: json, schema: {type: array, items: {type: string}}}
        edges:
          - {from: START, to: list}
          - {from: list, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model))) {
      mesh.startAll();
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"topic\": \"letters\"}");

      RunResult result = mesh.result(runId, WAIT);
      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("[\"x\", \"y\"]");
    }
  }
}
