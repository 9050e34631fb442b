package io.agentmesh.agents.runtime;

import static io.agentmesh.agents.runtime.GuardsIT.assertFailed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestration patterns of issue #4 end to end on the real broker, Redis and registry:
 * fan-out / fan-in through a join (Kafka Streams), quorum and timeout, the three branch failure
 * policies, dynamic fan-out (map), votes with ties, and loops bounded by maxIterations.
 */
@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PatternsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SharedInfra infra;
  @TempDir
  Path stateDir;

  PatternsIT(SharedInfra infra) {
    this.infra = infra;
  }

  @AfterEach
  void releaseSlowBranches() {
    Slow.RELEASE.countDown();
  }

  /** Answers {"node": its name, "input": what it got}. */
  public static final class Named implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.json(Map.of("node", ctx.node(), "input", input.text()));
    }
  }

  /** Answers like {@link Named}, but only once the test ends (or after 25 s). */
  public static final class Slow implements Agent {
    static volatile CountDownLatch RELEASE = new CountDownLatch(1);

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      RELEASE.await(25, TimeUnit.SECONDS);
      return AgentOutput.json(Map.of("node", ctx.node(), "input", input.text()));
    }
  }

  /** Always fails. */
  public static final class Broken implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      throw new IllegalStateException("branch " + ctx.node() + " is broken");
    }
  }

  /** Fails its first three calls of a run (one full round of the executor's retries), then answers. */
  public static final class Flaky implements Agent {
    static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      if (CALLS.computeIfAbsent(ctx.runId(), k -> new AtomicInteger()).incrementAndGet() <= 3) {
        throw new IllegalStateException("flaky " + ctx.node() + " failed");
      }
      return AgentOutput.json(Map.of("node", ctx.node(), "input", input.text()));
    }
  }

  /** Votes what the run input says for this node: {"votes": {"a": ["yes", 0.9]}}. */
  public static final class Voter implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      JsonNode mine = input.json().path("votes").path(ctx.node());
      return AgentOutput.json(Map.of("answer", mine.get(0).asText(), "confidence", mine.get(1).asDouble()));
    }
  }

  /** Splits {"items": [...]} into its list (identity on the input). */
  public static final class Planner implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      return AgentOutput.json(JSON.convertValue(input.json(), Map.class));
    }
  }

  /** Upper-cases its text input. */
  public static final class Upper implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.text(input.text().toUpperCase());
    }
  }

  /** Writes draft n+1. */
  public static final class Writer implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      return AgentOutput.json(Map.of("draft", input.json().path("draft").asInt(0) + 1));
    }
  }

  /** Never approves. */
  public static final class Reviewer implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      return AgentOutput.json(Map.of("approved", false, "draft", input.json().path("draft").asInt()));
    }
  }

  private MeshHarness fanOut(String join, String a, String b, String c) throws Exception {
    Slow.RELEASE = new CountDownLatch(1);
    return splitIntoThree(infra, stateDir, infra.uniqueName("fan"), Named.class.getName(), a, b, c, join);
  }

  /**
   * Runs {@code START -> split -> [a, b, c] -> merge -> END} with the given node classes and the
   * join node's YAML, every node started, join state under {@code stateDir}.
   */
  static MeshHarness splitIntoThree(SharedInfra infra, Path stateDir, String name, String split, String a, String b, String c,
                                    String join) throws Exception {
    MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          split: {type: java, class: %s}
          a: {type: java, class: %s}
          b: {type: java, class: %s}
          c: {type: java, class: %s}
          merge: %s
        edges:
          - {from: START, to: split}
          - {from: split, to: [a, b, c]}
          - {from: a, to: merge}
          - {from: b, to: merge}
          - {from: c, to: merge}
          - {from: merge, to: END}
        """.formatted(name, split, a, b, c, join));
    mesh.runtime().stateDir(stateDir).startAll();
    return mesh;
  }

  @Test
  void parallelBranchesJoinIntoOneListInBranchOrder() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join}", named, named, named)) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      List<RunResult> results = mesh.resultsOf(runId, 1, WAIT);

      assertThat(results).hasSize(1);
      JsonNode merged = json(results.getFirst());
      assertThat(merged).hasSize(3);
      assertThat(List.of(merged.get(0).get("node").asText(), merged.get(1).get("node").asText(), merged.get(2).get("node").asText()))
          .containsExactly("a", "b", "c");
      assertThat(results.getFirst().getHops()).isEqualTo(3); // split, one of a|b|c, merge
    }
  }

  @Test
  void quorumGoesOnWithoutTheSlowBranchAndIgnoresItLater() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, policy: quorum, quorum: 2, merge: object}", named, named, Slow.class.getName())) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);
      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(names(json(result))).containsExactlyInAnyOrder("a", "b");

      Slow.RELEASE.countDown(); // the slow branch arrives after the join decided: dropped, no second result
      assertThat(mesh.resultsOf(runId, 2, Duration.ofSeconds(6))).hasSize(1);
    }
  }

  @Test
  void timeoutPolicyGoesOnWithWhatArrived() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, policy: timeout, timeout: 3s, merge: object}", named, named, Slow.class.getName())) {
      String runId = infra.uniqueName("run");
      long began = System.nanoTime();
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(names(json(result))).containsExactlyInAnyOrder("a", "b");
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }
  }

  @Test
  void allWithATimeoutFailsTheRunWhenABranchIsLate() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, policy: all, timeout: 2s}", named, named, Slow.class.getName())) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      assertFailed(mesh.result(runId, WAIT), ErrorCode.DEADLINE_EXCEEDED, "timed out with 2 of 3 branches");
    }
  }

  @Test
  void aFailedBranchFailsTheRunUnderPolicyFail() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, onBranchFailure: fail}", named, named, Broken.class.getName())) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertFailed(result, ErrorCode.INTERNAL, "branch c is broken");
      assertThat(result.getError().getNode()).isEqualTo("c");
    }
  }

  @Test
  void aFailedBranchIsLeftOutUnderPolicyContinue() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, onBranchFailure: continue, merge: object}", named, Broken.class.getName(), named)) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(names(json(result))).containsExactlyInAnyOrder("a", "c");
    }
  }

  @Test
  void aFailedBranchIsSentAgainUnderPolicyRetry() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, onBranchFailure: retry, merge: object}", named, Flaky.class.getName(), named)) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(names(json(result))).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(Flaky.CALLS.get(runId).get()).isEqualTo(4); // 3 failed calls, then the join's re-send succeeded
    }
  }

  @Test
  void aBranchThatKeepsFailingFailsTheRunAfterTheRetries() throws Exception {
    String named = Named.class.getName();
    try (MeshHarness mesh = fanOut("{type: join, onBranchFailure: retry}", named, Broken.class.getName(), named)) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"task\": \"t\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertFailed(result, ErrorCode.RETRIES_EXHAUSTED, "branch 'b' failed after 3 attempts");
      assertThat(result.getError().getNode()).isEqualTo("merge");
    }
  }

  @Test
  void votesCountMajorityAndConfidenceAndBreakTiesAsConfigured() throws Exception {
    String voter = Voter.class.getName();
    String graph = """
        name: %s
        nodes:
          a: {type: java, class: %s}
          b: {type: java, class: %s}
          c: {type: java, class: %s}
          d: {type: java, class: %s}
          pick: {type: join, merge: vote, vote: %s}
        edges:
          - {from: START, to: [a, b, c, d]}
          - {from: a, to: pick}
          - {from: b, to: pick}
          - {from: c, to: pick}
          - {from: d, to: pick}
          - {from: pick, to: END}
        """;
    try (MeshHarness majority = MeshHarness.of(infra, graph.formatted(infra.uniqueName("majority"), voter, voter, voter, voter,
             "{field: answer, tieBreaker: d}"));
         MeshHarness weighted = MeshHarness.of(infra, graph.formatted(infra.uniqueName("weighted"), voter, voter, voter, voter,
             "{field: answer, weight: confidence}"))) {
      majority.runtime().stateDir(stateDir).startAll();
      weighted.runtime().stateDir(stateDir).startAll();
      String plain = infra.uniqueName("run");
      String tie = infra.uniqueName("run");
      String confident = infra.uniqueName("run");
      String weightedTie = infra.uniqueName("run");
      majority.submit(plain, votes("yes", .9, "no", .1, "no", .1, "maybe", .9));
      majority.submit(tie, votes("yes", .9, "no", .1, "no", .1, "yes", .9));
      weighted.submit(confident, votes("yes", .9, "no", .3, "no", .4, "maybe", .1));
      weighted.submit(weightedTie, votes("maybe", .1, "no", .5, "yes", .5, "maybe", .1));

      Map<String, List<RunResult>> byMajority = majority.results(List.of(plain, tie), WAIT);
      Map<String, List<RunResult>> byWeight = weighted.results(List.of(confident, weightedTie), WAIT);
      assertThat(byMajority.values()).as("one result per run: the join gathered the four entry branches")
          .allSatisfy(list -> assertThat(list).hasSize(1));
      assertThat(byWeight.values()).allSatisfy(list -> assertThat(list).hasSize(1));
      JsonNode plainVote = json(byMajority.get(plain).getFirst());
      JsonNode tieVote = json(byMajority.get(tie).getFirst());
      JsonNode confidentVote = json(byWeight.get(confident).getFirst());
      JsonNode weightedTieVote = json(byWeight.get(weightedTie).getFirst());
      assertThat(plainVote.get("ballots")).hasSize(4);

      assertThat(plainVote.get("answer").asText()).isEqualTo("no");
      assertThat(plainVote.get("tie").asBoolean()).isFalse();
      assertThat(tieVote.get("answer").asText()).as("2-2, the tie-breaker d voted yes").isEqualTo("yes");
      assertThat(tieVote.get("tie").asBoolean()).isTrue();
      assertThat(confidentVote.get("answer").asText()).as("0.9 against 0.7").isEqualTo("yes");
      assertThat(confidentVote.get("totals").get("no").asDouble()).isEqualTo(0.7, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(weightedTieVote.get("answer").asText()).as("0.5 each: the lower branch index (b) wins").isEqualTo("no");
    }
  }

  @Test
  void mapFansOutOneBranchPerItemAndTheJoinWaitsForAllOfThem() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          planner: {type: java, class: %s}
          worker: {type: java, class: %s}
          gather: {type: join}
        edges:
          - {from: START, to: planner}
          - {from: planner, to: worker, map: output.items}
          - {from: worker, to: gather}
          - {from: gather, to: END}
        """.formatted(infra.uniqueName("map"), Planner.class.getName(), Upper.class.getName()))) {
      mesh.runtime().stateDir(stateDir).startAll();
      String four = infra.uniqueName("run");
      String two = infra.uniqueName("run");
      String none = infra.uniqueName("run");
      mesh.submit(four, "{\"items\": [\"kafka\", \"redis\", \"streams\", \"cel\"]}");
      mesh.submit(two, "{\"items\": [\"one\", \"two\"]}");
      mesh.submit(none, "{\"items\": []}");

      assertThat(JSON.convertValue(json(mesh.result(four, WAIT)), List.class)).containsExactly("KAFKA", "REDIS", "STREAMS", "CEL");
      assertThat(JSON.convertValue(json(mesh.result(two, WAIT)), List.class)).containsExactly("ONE", "TWO");
      assertThat(mesh.hops("planner", "worker", 6, WAIT).stream().filter(h -> h.getRunId().equals(four))
          .map(h -> h.getFanOut().getBranchCount())).containsExactly(4, 4, 4, 4);
      assertFailed(mesh.result(none, WAIT), ErrorCode.NO_ROUTE, "maps over output.items, which is an empty list");
    }
  }

  @Test
  void aJoinInsideABranchOfAnOuterFanOutHandsItsBranchBackToTheOuterJoin() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          split: {type: java, class: %s}
          left: {type: java, class: %s}
          worker: {type: java, class: %s}
          inner: {type: join}
          right: {type: java, class: %s}
          outer: {type: join, merge: object}
        edges:
          - {from: START, to: split}
          - {from: split, to: [left, right]}
          - {from: left, to: worker, map: output.items}
          - {from: worker, to: inner}
          - {from: inner, to: outer}
          - {from: right, to: outer}
          - {from: outer, to: END}
        """.formatted(infra.uniqueName("nested"), Planner.class.getName(), Planner.class.getName(), Upper.class.getName(),
        Named.class.getName()))) {
      mesh.runtime().stateDir(stateDir).startAll();
      String three = infra.uniqueName("run");
      String one = infra.uniqueName("run");
      mesh.submit(three, "{\"items\": [\"kafka\", \"redis\", \"cel\"]}");
      mesh.submit(one, "{\"items\": [\"solo\"]}");

      for (Map.Entry<String, List<String>> run : Map.of(three, List.of("KAFKA", "REDIS", "CEL"), one, List.of("SOLO")).entrySet()) {
        List<RunResult> results = mesh.resultsOf(run.getKey(), 1, WAIT);
        assertThat(results).as("results of %s", run.getKey()).hasSize(1);
        JsonNode merged = json(results.getFirst());
        assertThat(merged.fieldNames()).toIterable().containsExactlyInAnyOrder("left", "right");
        assertThat(JSON.convertValue(merged.get("left"), List.class)).isEqualTo(run.getValue());
        assertThat(merged.get("right").get("node").asText()).isEqualTo("right");
      }
      assertThat(mesh.hops("inner", "outer", 2, WAIT)).allSatisfy(hop -> {
        assertThat(hop.getFanOut()).as("the outer branch, restored").isNotNull();
        assertThat(hop.getFanOut().getBranchId()).isEqualTo("left");
        assertThat(hop.getEnclosingFanOuts()).isEmpty();
      });
    }
  }

  @Test
  void maxIterationsStopsALoopThroughTheDefaultEdgeOrFailsWithoutOne() throws Exception {
    String loop = """
        name: %s
        nodes:
          writer: {type: java, class: %s}
          reviewer: {type: java, class: %s}
        edges:
          - {from: START, to: writer}
          - {from: writer, to: reviewer}
          - {from: reviewer, to: writer, when: "!output.approved", maxIterations: 2}
          - {from: reviewer, to: END, %s}
        """;
    try (MeshHarness withDefault = MeshHarness.of(infra, loop.formatted(infra.uniqueName("loop"), Writer.class.getName(),
             Reviewer.class.getName(), "default: true"));
         MeshHarness without = MeshHarness.of(infra, loop.formatted(infra.uniqueName("loop"), Writer.class.getName(),
             Reviewer.class.getName(), "when: \"output.approved\""))) {
      withDefault.startAll();
      without.startAll();
      String first = infra.uniqueName("run");
      String second = infra.uniqueName("run");
      withDefault.submit(first, "{}");
      without.submit(second, "{}");

      RunResult ended = withDefault.result(first, WAIT);
      assertThat(ended.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(json(ended).get("draft").asInt()).as("three rounds: the loop edge crossed twice").isEqualTo(3);
      assertFailed(without.result(second, WAIT), ErrorCode.MAX_HOPS, "reviewer -> writer reached its maxIterations (2)");
    }
  }

  private static String votes(String a, double ca, String b, double cb, String c, double cc, String d, double cd) {
    return "{\"votes\": {\"a\": [\"%s\", %s], \"b\": [\"%s\", %s], \"c\": [\"%s\", %s], \"d\": [\"%s\", %s]}}"
        .formatted(a, ca, b, cb, c, cc, d, cd);
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static JsonNode json(RunResult result) throws Exception {
    assertThat(result.getOutput()).as("output of %s", result).isNotNull();
    return JSON.readTree(ExamplesIT.text(result));
  }
}
