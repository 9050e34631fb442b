package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A graph used as a node of another: the child runs on its own topics and its result flows back. */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SubGraphIT {

  private final SharedInfra infra;

  SubGraphIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Appends its node's name to the text it got. */
  public static final class Stamp implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.text(input.text() + " > " + ctx.graph() + "/" + ctx.node());
    }
  }

  @Test
  void subGraphNodeRunsTheChildOnItsOwnTopicsAndRoutesItsResultBack(@TempDir Path dir) throws Exception {
    String parentName = infra.uniqueName("parent");
    String childName = infra.uniqueName("child");
    Files.writeString(dir.resolve("child.yaml"), """
        name: %s
        nodes:
          draft: {type: java, class: %s}
          review: {type: java, class: %s}
        edges:
          - {from: START, to: draft}
          - {from: draft, to: review}
          - {from: review, to: END}
        """.formatted(childName, Stamp.class.getName(), Stamp.class.getName()));
    Files.writeString(dir.resolve("parent.yaml"), """
        name: %s
        nodes:
          intake: {type: java, class: %s}
          team: {type: graph, file: child.yaml}
          publish: {type: java, class: %s}
        edges:
          - {from: START, to: intake}
          - {from: intake, to: team}
          - {from: team, to: publish}
          - {from: publish, to: END}
        """.formatted(parentName, Stamp.class.getName(), Stamp.class.getName()));
    Graph parent = GraphLoader.load(dir.resolve("parent.yaml"));
    try (MeshHarness mesh = MeshHarness.of(infra, parent, DeploymentSpec.defaults(), UnaryOperator.identity())) {
      mesh.startAll();
      String runId = "sub-" + UUID.randomUUID();
      mesh.submit(runId, "{\"runId\": \"" + runId + "\", \"input\": \"brief\"}");

      RunResult result = mesh.result(runId, Duration.ofSeconds(60));

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      // a text output enters the child's ingress as a JSON string, as any JSON task would
      assertThat(ExamplesIT.text(result)).isEqualTo("\"\\\"brief\\\" > " + parentName + "/intake\" > " + childName + "/draft > "
          + childName + "/review > " + parentName + "/publish");
      assertThat(mesh.runRecord(runId).orElseThrow().nodes()).containsKeys("intake", "team", "publish");
    }
  }
}
