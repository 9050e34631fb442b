package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node scales by adding replicas: each is a member of the node's group and takes a share of the
 * partitions; one joining under load takes over work without losing or repeating a run. Each
 * replica runs in its own {@link MeshRuntime} (as in separate processes), so its meters count its
 * own work.
 */
@MeshInfraTest
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ScalingIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private final SharedInfra infra;

  ScalingIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Takes 40 ms per input, like a short model call. */
  public static final class Slow implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      Thread.sleep(40);
      return AgentOutput.text("done " + ctx.runId());
    }
  }

  @Test
  void twoReplicasOfANodeBothTakeWork() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, graph("scale2"), "topics: {partitions: 4}\n")) {
      MeshRuntime first = mesh.runtime();
      first.startNode("work", 1);
      MeshRuntime second = mesh.runtime();
      second.startNode("work", 1);
      awaitMembersWithPartitions(mesh, 2);

      List<String> runs = submit(mesh, 40);
      Map<String, List<RunResult>> results = mesh.results(runs, WAIT);

      assertOneSuccessEach(runs, results);
      double byFirst = mesh.consumed(first, "work");
      double bySecond = mesh.consumed(second, "work");
      assertThat(byFirst).as("inputs taken by the first replica").isPositive();
      assertThat(bySecond).as("inputs taken by the second replica").isPositive();
      assertThat(byFirst + bySecond).isEqualTo(40);
    }
  }

  @Test
  void aReplicaAddedDuringLoadTakesWorkAndLosesNothing() throws Exception {
    String deploy = """
        topics: {partitions: 4}
        nodes:
          work: {maxInFlight: 2}
        """;
    try (MeshHarness mesh = MeshHarness.of(infra, graph("scaleup"), deploy)) {
      MeshRuntime first = mesh.runtime();
      first.startNode("work", 1);
      awaitMembersWithPartitions(mesh, 1);
      List<String> runs = submit(mesh, 150); // ~3 s of work for one replica at 2 in flight

      await().atMost(Duration.ofSeconds(30)).until(() -> mesh.consumed(first, "work") >= 20);
      MeshRuntime second = mesh.runtime();
      second.startNode("work", 1);
      Map<String, List<RunResult>> results = mesh.results(runs, WAIT);

      assertOneSuccessEach(runs, results);
      assertThat(mesh.consumed(second, "work")).as("inputs taken by the replica added under load").isPositive();
    }
  }

  private String graph(String prefix) {
    return """
        name: %s
        nodes:
          work: {type: java, class: %s}
        edges:
          - {from: START, to: work}
          - {from: work, to: END}
        """.formatted(infra.uniqueName(prefix), Slow.class.getName());
  }

  private List<String> submit(MeshHarness mesh, int count) {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"n\": " + i + "}");
      runs.add(runId);
    }
    return runs;
  }

  private static void assertOneSuccessEach(List<String> runs, Map<String, List<RunResult>> results) {
    assertThat(results).as("runs with a result").hasSize(runs.size());
    results.forEach((run, list) -> {
      assertThat(list).as("results of %s", run).hasSize(1);
      assertThat(list.getFirst().getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(list.getFirst())).isEqualTo("done " + run);
    });
  }

  /** Waits until the node's group has {@code members} members, each with partitions assigned. */
  private void awaitMembersWithPartitions(MeshHarness mesh, int members) {
    String group = mesh.plan.group("work").groupId();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(() -> {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
            .get(10, TimeUnit.SECONDS).get(group);
        return description.members().size() == members
            && description.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
      });
    }
  }
}
