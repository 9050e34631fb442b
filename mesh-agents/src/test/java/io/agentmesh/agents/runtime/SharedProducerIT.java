package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The at-least-once workers of a runtime publish with one producer between them (D-024): a
 * 3-node pipeline runs every run through it, a replica that stops hands it on open to the others
 * and to the replica started beside it, and the runtime's close closes it.
 */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedProducerIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final SharedInfra infra;

  SharedProducerIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void theWorkersOfAnAtLeastOnceRuntimeShareOneProducerThatOutlivesAStoppedReplica() throws Exception {
    String graphName = infra.uniqueName("shared");
    String graph = """
        name: %s
        nodes:
          a: {type: java, class: %s}
          b: {type: java, class: %s}
          c: {type: java, class: %s}
        edges:
          - {from: START, to: a}
          - {from: a, to: b}
          - {from: b, to: c}
          - {from: c, to: END}
        """.formatted(graphName, Done.class.getName(), Done.class.getName(), Done.class.getName());
    try (MeshHarness mesh = MeshHarness.of(infra, graph, "delivery: at-least-once\ntopics: {partitions: 2}\n")) {
      MeshRuntime runtime = mesh.runtime();
      Worker firstOfA = runtime.startNode("a", 1).getFirst();
      runtime.startNode("b", 1);
      runtime.startNode("c", 1);
      assertSucceeded(mesh, submit(mesh, "first", 60));
      assertThat(producers(graphName)).as("producers of the graph's workers").singleElement()
          .satisfies(clientId -> assertThat(clientId).startsWith(graphName + ".shared-"));

      runtime.startNode("a", 1); // a second replica of a, then the first one goes
      firstOfA.close();
      assertThat(firstOfA.state()).isEqualTo(Worker.State.STOPPED);

      assertSucceeded(mesh, submit(mesh, "second", 60));
      assertThat(producers(graphName)).as("producers after a replica stopped").hasSize(1);
      runtime.close();
      assertThat(producers(graphName)).as("producers after the runtime closed").isEmpty();
    }
  }

  private static List<String> submit(MeshHarness mesh, String prefix, int count) {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String runId = prefix + "-" + i;
      mesh.submit(runId, "{\"q\":\"" + runId + "\"}");
      runs.add(runId);
    }
    return runs;
  }

  private static void assertSucceeded(MeshHarness mesh, List<String> runs) {
    Map<String, List<RunResult>> results = mesh.results(runs, WAIT);
    assertThat(results).as("runs with a result").hasSize(runs.size());
    results.forEach((run, list) -> assertThat(list.getLast().getStatus()).as("status of %s", run).isEqualTo(RunStatus.SUCCEEDED));
  }

  /** The client ids of the open producers whose id begins with the graph's name (JMX: one bean per open producer). */
  private static Set<String> producers(String graphName) throws Exception {
    return ManagementFactory.getPlatformMBeanServer()
        .queryNames(new ObjectName("kafka.producer:type=producer-metrics,client-id=" + graphName + ".*"), null).stream()
        .map(name -> name.getKeyProperty("client-id")).collect(java.util.stream.Collectors.toSet());
  }

  /** Answers at once. */
  public static final class Done implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.text("done " + ctx.runId());
    }
  }
}
