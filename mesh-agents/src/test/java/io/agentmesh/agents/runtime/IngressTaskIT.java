package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.avro.Task;
import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a task on the ingress topic may carry besides its input: its Avro form (a {@code Task} in
 * Confluent's wire format, as any client with a Confluent Avro serializer publishes it) with the run
 * id and deadline inside, and the idempotency key that names the run when no run id does.
 */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IngressTaskIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  IngressTaskIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void anAvroTaskRunsUnderTheRunIdAndDeadlineItCarries() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, GuardsIT.echoLine(infra.uniqueName("avro-task"), "only"))) {
      mesh.startAll();
      String ingress = mesh.topics.ingress();
      String onTime = infra.uniqueName("run");
      String late = infra.uniqueName("run");
      mesh.send(ingress, null, mesh.codec.encode(ingress, task(mesh, onTime, "{\"q\": \"avro\"}", null)));
      mesh.send(ingress, null, mesh.codec.encode(ingress, task(mesh, late, "{\"q\": \"late\"}", Instant.parse("2020-01-01T00:00:00Z"))));

      RunResult answered = mesh.result(onTime, WAIT);
      assertThat(answered.getStatus()).as(String.valueOf(answered.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(answered)).isEqualTo("{\"q\": \"avro\"}");
      assertThat(mesh.runRecord(onTime).orElseThrow().metadata()).containsExactly(Map.entry("tenant", "t1"));
      GuardsIT.assertFailed(mesh.result(late, WAIT), ErrorCode.DEADLINE_EXCEEDED, "deadline");
    }
  }

  @Test
  void aResubmissionWithTheSameIdempotencyKeyStartsNothing() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, GuardsIT.echoLine(infra.uniqueName("idem"), "only"))) {
      MeshRuntime runtime = mesh.startAll();
      String key = infra.uniqueName("order");
      String ingress = mesh.topics.ingress();
      mesh.send(ingress, null, ("{\"input\": {\"n\": 1}, \"idempotencyKey\": \"" + key
          + "\", \"metadata\": {\"tenant\": \"acme\", \"priority\": 2}}").getBytes(StandardCharsets.UTF_8));
      mesh.send(ingress, null, ("{\"input\": {\"n\": 2}, \"idempotencyKey\": \"" + key
          + "\", \"metadata\": {\"tenant\": \"other\"}}").getBytes(StandardCharsets.UTF_8));

      RunResult result = mesh.result(key, WAIT);
      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result).replace(" ", "")).as("the first task's input").isEqualTo("{\"n\":1}");
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(
          mesh.meters(runtime).find("mesh.tasks.duplicate").tag("node", "only").counter())
          .isNotNull().extracting(Counter::count).isEqualTo(1.0));
      assertThat(mesh.results(java.util.List.of(key), WAIT).get(key)).hasSize(1);
      assertThat(mesh.runRecord(key).orElseThrow().metadata()).as("the first task's metadata, as text")
          .containsExactly(Map.entry("priority", "2"), Map.entry("tenant", "acme"));
    }
  }

  private static Task task(MeshHarness mesh, String runId, String input, Instant deadline) {
    return Task.newBuilder()
        .setRunId(runId)
        .setGraph(mesh.graph.name())
        .setInput(ByteBuffer.wrap(input.getBytes(StandardCharsets.UTF_8)))
        .setContentType("application/json")
        .setMetadata(Map.of("tenant", "t1"))
        .setDeadline(deadline)
        .setIdempotencyKey(null)
        .build();
  }
}
