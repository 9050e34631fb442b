package io.agentmesh.agents.runtime;

import static io.agentmesh.agents.runtime.GuardsIT.assertFailed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.JoinReducer;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Joins with {@code merge: reducer} end to end on the real broker, Redis and registry: a fan-out
 * to three branches merged by a Java {@link JoinReducer} or by a CEL reducer, and a reducer that
 * fails at run time failing the run with its reason.
 */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JoinReducerIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SharedInfra infra;
  @TempDir
  Path stateDir;

  JoinReducerIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Passes its input on and sets the run state's topic from it. */
  public static final class Split implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      return AgentOutput.json(Map.of("task", input.json().path("task").asText()))
          .withState(Map.of("topic", input.json().path("topic").asText()));
    }
  }

  /** Answers {"node": its name, "score": a, 3, b 7, c 5}. */
  public static final class Scored implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      int score = switch (ctx.node()) {
        case "a" -> 3;
        case "b" -> 7;
        default -> 5;
      };
      return AgentOutput.json(Map.of("node", ctx.node(), "score", score));
    }
  }

  /** Ranks the branches by score: {"best": id, "ranking": [ids, best first], "total": sum}. */
  public static final class Ranking implements JoinReducer {
    @Override
    public Object reduce(List<Branch> branches) {
      List<Branch> ranked = branches.stream()
          .sorted((x, y) -> Integer.compare(score(y), score(x))).toList();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("best", ranked.getFirst().id());
      out.put("ranking", ranked.stream().map(Branch::id).toList());
      out.put("total", branches.stream().mapToInt(Ranking::score).sum());
      return out;
    }

    private static int score(Branch branch) {
      return ((Number) ((Map<?, ?>) branch.output()).get("score")).intValue();
    }
  }

  /** Always throws. */
  public static final class BrokenReducer implements JoinReducer {
    @Override
    public Object reduce(List<Branch> branches) {
      throw new IllegalStateException("reducer is broken for " + branches.size() + " branches");
    }
  }

  private MeshHarness fanOut(String join) throws Exception {
    String scored = Scored.class.getName();
    return PatternsIT.splitIntoThree(infra, stateDir, infra.uniqueName("reduce"), Split.class.getName(), scored, scored, scored, join);
  }

  private RunResult run(MeshHarness mesh) {
    String runId = infra.uniqueName("run");
    mesh.submit(runId, "{\"task\": \"t\", \"topic\": \"cats\"}");
    return mesh.result(runId, WAIT);
  }

  @Test
  void javaReducerMergesTheThreeBranches() throws Exception {
    try (MeshHarness mesh = fanOut("{type: join, merge: reducer, reducer: " + Ranking.class.getName() + "}")) {
      RunResult result = run(mesh);

      assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(PatternsIT.json(result))
          .isEqualTo(JSON.readTree("{\"best\": \"b\", \"ranking\": [\"b\", \"c\", \"a\"], \"total\": 15}"));
    }
  }

  @Test
  void celReducerMergesTheThreeBranchesWithTheRunState() throws Exception {
    String cel = "{'best': branches.filter(b, b.output.score == math.greatest(outputs.map(o, o.score)))[0].id,"
        + " 'nodes': outputs.map(o, o.node).join('+'), 'indexes': branches.map(b, b.index), 'topic': state.topic}";
    try (MeshHarness mesh = fanOut("{type: join, merge: reducer, reducer: {cel: \"" + cel + "\"}}")) {
      RunResult result = run(mesh);

      assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(PatternsIT.json(result)).isEqualTo(JSON.readTree(
          "{\"best\": \"b\", \"nodes\": \"a+b+c\", \"indexes\": [0, 1, 2], \"topic\": \"cats\"}"));
    }
  }

  @Test
  void celReducerThatGivesAStringMakesATextResult() throws Exception {
    try (MeshHarness mesh = fanOut("{type: join, merge: reducer, reducer: {cel: \"outputs.map(o, o.node + '=' + string(o.score)).join(', ')\"}}")) {
      RunResult result = run(mesh);

      assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("a=3, b=7, c=5");
    }
  }

  @Test
  void javaReducerThatThrowsFailsTheRunWithItsReason() throws Exception {
    try (MeshHarness mesh = fanOut("{type: join, merge: reducer, reducer: {class: " + BrokenReducer.class.getName() + "}}")) {
      RunResult result = run(mesh);

      assertFailed(result, ErrorCode.INTERNAL, "join 'merge': merge reducer failed: java.lang.IllegalStateException: "
          + "reducer is broken for 3 branches");
      assertThat(result.getError().getNode()).isEqualTo("merge");
    }
  }

  @Test
  void celReducerThatFailsAtRunTimeFailsTheRunWithItsReason() throws Exception {
    try (MeshHarness mesh = fanOut("{type: join, merge: reducer, reducer: {cel: \"outputs.map(o, o.confidence)\"}}")) {
      RunResult result = run(mesh);

      assertFailed(result, ErrorCode.INTERNAL, "join 'merge': merge reducer failed: reducer 'outputs.map(o, o.confidence)' failed");
      assertThat(result.getError().getMessage()).contains("confidence");
      assertThat(result.getError().getNode()).isEqualTo("merge");
    }
  }
}
