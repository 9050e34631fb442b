package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.agents.model.ModelCallListener;
import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.Message;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared run state, claim checks and agent memory on the real broker and Redis: two parallel
 * branches writing the state at the same moment both keep their update, also to one key by its
 * declared reducer; a 5 MB payload crosses three hops by reference; an llm node's memory stays
 * within its bound, trimmed or summarised, and keeps a turn produced twice for one input once.
 */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StateIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int FIVE_MB = 5 * 1024 * 1024;

  private final SharedInfra infra;

  StateIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Passes its input on. */
  public static final class Split implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return new AgentOutput(input.payload(), input.contentType(), Map.of());
    }
  }

  /** Waits for the other branch of its run, then both write the run state at once. */
  public abstract static class Branch implements Agent {
    static final Map<String, CyclicBarrier> BARRIERS = new ConcurrentHashMap<>();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      BARRIERS.computeIfAbsent(ctx.runId(), k -> new CyclicBarrier(2)).await(30, TimeUnit.SECONDS);
      return AgentOutput.text(ctx.node() + " done").withState(Map.of(ctx.node(), ctx.node() + "-result"));
    }
  }

  public static final class Left extends Branch { }

  public static final class Right extends Branch { }

  @Test
  void casConflictBetweenTwoParallelBranchesKeepsBothUpdates() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          split: {type: java, class: %s}
          left: {type: java, class: %s}
          right: {type: java, class: %s}
        edges:
          - {from: START, to: split}
          - {from: split, to: [left, right]}
          - {from: left, to: END}
          - {from: right, to: END}
        """.formatted(infra.uniqueName("cas"), Split.class.getName(), Left.class.getName(), Right.class.getName()))) {
      mesh.startAll();
      String runId = "cas-" + UUID.randomUUID();
      mesh.submit(runId, "{\"go\": true}");

      List<RunResult> results = mesh.resultsOf(runId, 2, WAIT);

      assertThat(results).extracting(RunResult::getStatus).containsOnly(RunStatus.SUCCEEDED);
      var state = HopHandler.await(mesh.redis().runState().get(runId));
      assertThat(state.value()).containsEntry("left", "left-result").containsEntry("right", "right-result");
      assertThat(state.version()).as("two successful compare-and-sets").isEqualTo(2);
    }
  }

  /** Waits for the other branch of its run, then both add to the same keys at once. */
  public abstract static class Finder implements Agent {
    static final Map<String, CyclicBarrier> BARRIERS = new ConcurrentHashMap<>();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      BARRIERS.computeIfAbsent(ctx.runId(), k -> new CyclicBarrier(2)).await(30, TimeUnit.SECONDS);
      return AgentOutput.text(ctx.node() + " done").withState(Map.of(
          "findings", List.of(ctx.node() + "-1", ctx.node() + "-2"),
          "votes", ctx.node().equals("left") ? 2 : 3,
          "summary", ctx.node()));
    }
  }

  public static final class LeftFinder extends Finder { }

  public static final class RightFinder extends Finder { }

  @Test
  void parallelBranchesWritingTheSameKeysBothCountByTheDeclaredReducers() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        state:
          findings: {merge: append}
          votes: {merge: sum}
        nodes:
          split: {type: java, class: %s}
          left: {type: java, class: %s}
          right: {type: java, class: %s}
        edges:
          - {from: START, to: split}
          - {from: split, to: [left, right]}
          - {from: left, to: END}
          - {from: right, to: END}
        """.formatted(infra.uniqueName("reduce"), Split.class.getName(), LeftFinder.class.getName(),
        RightFinder.class.getName()))) {
      mesh.startAll();
      String runId = "reduce-" + UUID.randomUUID();
      mesh.submit(runId, "{\"go\": true}");

      List<RunResult> results = mesh.resultsOf(runId, 2, WAIT);

      assertThat(results).extracting(RunResult::getStatus).containsOnly(RunStatus.SUCCEEDED);
      var state = HopHandler.await(mesh.redis().runState().get(runId));
      assertThat(state.version()).as("two successful compare-and-sets").isEqualTo(2);
      assertThat(state.value()).containsOnlyKeys("findings", "votes", "summary").containsEntry("votes", 5);
      @SuppressWarnings("unchecked")
      List<Object> findings = (List<Object>) state.value().get("findings");
      assertThat(findings).as("both branches' items, each branch's in its order")
          .containsExactlyInAnyOrder("left-1", "left-2", "right-1", "right-2");
      String first = findings.getFirst().toString().startsWith("left") ? "left" : "right";
      String second = first.equals("left") ? "right" : "left";
      assertThat(findings).containsExactly(first + "-1", first + "-2", second + "-1", second + "-2");
      assertThat(state.value().get("summary")).as("an undeclared key keeps the later write").isEqualTo(second);
    }
  }

  /** Writes a string into a key declared as a sum. */
  public static final class BadVote implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.text("voted").withState(Map.of("votes", "many"));
    }
  }

  @Test
  void anUpdateOfTheWrongTypeForItsReducerFailsTheRunNamingKeyNodeAndTypes() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        state:
          votes: {merge: sum}
        nodes:
          voter: {type: java, class: %s}
        edges:
          - {from: START, to: voter}
          - {from: voter, to: END}
        """.formatted(infra.uniqueName("badvote"), BadVote.class.getName()))) {
      mesh.startAll();
      String runId = "badvote-" + UUID.randomUUID();
      mesh.submit(runId, "{\"go\": true}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
      assertThat(result.getError().getCode()).isEqualTo(ErrorCode.VALIDATION);
      assertThat(result.getError().getMessage()).isEqualTo("node 'voter': state key 'votes' cannot take its update: "
          + "merge: sum needs numbers, but the update is a string");
      assertThat(HopHandler.await(mesh.redis().runState().get(runId)).value()).doesNotContainKey("votes");
    }
  }

  /** Makes a 5 MB document. */
  public static final class Generate implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      byte[] big = new byte[FIVE_MB];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) ('a' + i % 26);
      }
      return new AgentOutput(big, "text/plain; charset=utf-8", Map.of());
    }
  }

  /** Checks it got the whole 5 MB, passes it on. */
  public static final class Relay implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      byte[] got = input.payload();
      if (got.length != FIVE_MB || got[FIVE_MB - 1] != (byte) ('a' + (FIVE_MB - 1) % 26)) {
        throw new IllegalStateException(ctx.node() + " got " + got.length + " bytes");
      }
      return new AgentOutput(got, input.contentType(), Map.of());
    }
  }

  /** Answers with the size and digest of what it got (a result small enough for the results topic). */
  public static final class Digest implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      byte[] got = input.payload();
      return AgentOutput.text(got.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
    }
  }

  @Test
  void fiveMegabytePayloadCrossesThreeHopsByReference() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          generate: {type: java, class: %s}
          relay1: {type: java, class: %s}
          relay2: {type: java, class: %s}
          digest: {type: java, class: %s}
        edges:
          - {from: START, to: generate}
          - {from: generate, to: relay1}
          - {from: relay1, to: relay2}
          - {from: relay2, to: digest}
          - {from: digest, to: END}
        """.formatted(infra.uniqueName("claim"), Generate.class.getName(), Relay.class.getName(), Relay.class.getName(),
        Digest.class.getName()))) {
      mesh.startAll();
      String runId = "claim-" + UUID.randomUUID();
      mesh.submit(runId, "{\"doc\": \"big\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      byte[] expected = new Generate().process(null, null).payload();
      assertThat(ExamplesIT.text(result)).isEqualTo(FIVE_MB + " "
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected)));
      for (String[] edge : new String[][] {{"generate", "relay1"}, {"relay1", "relay2"}, {"relay2", "digest"}}) {
        Hop hop = mesh.hops(edge[0], edge[1], 1, WAIT).stream().filter(h -> h.getRunId().equals(runId)).findFirst().orElseThrow();
        assertThat(hop.getClaimCheck()).as("hop " + edge[0] + " -> " + edge[1] + " travels by reference").isNotNull();
        assertThat(hop.getClaimCheck().getSizeBytes()).isEqualTo(FIVE_MB);
        assertThat(hop.getPayload().remaining()).isZero();
        assertThat(mesh.encodedSize(hop, edge[0], edge[1])).as("bytes on the wire").isLessThan(4096);
      }
    }
  }

  /** Counts the turns of a conversation in the run state. */
  public static final class Turn implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      int turns = ((Number) input.state().getOrDefault("turns", 0)).intValue() + 1;
      return AgentOutput.text("next").withState(Map.of("turns", turns));
    }
  }

  @Test
  void memoryStaysWithinItsBoundTrimmedOrSummarised() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        guards: {maxHops: 30}
        models:
          m: {baseUrl: %s, model: sim-default, timeout: 10s}
        nodes:
          chat:
            type: llm
            model: m
            prompt: "turn {{state.turns}}"
            memory: {maxMessages: 4}
          brief:
            type: llm
            model: m
            prompt: "note {{state.turns}}"
            memory: {maxMessages: 4, summarise: true}
          turn: {type: java, class: %s}
        edges:
          - {from: START, to: chat}
          - {from: chat, to: brief}
          - {from: brief, to: turn}
          - {from: turn, to: chat, when: "state.turns < 5"}
          - {from: turn, to: END, default: true}
        """.formatted(infra.uniqueName("memory"), infra.simulator().baseUrl(), Turn.class.getName()))) {
      mesh.startAll();
      String runId = "memory-" + UUID.randomUUID();
      mesh.submit(runId, "{\"hello\": 1}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      List<Message> chat = HopHandler.await(mesh.redis().memory().all(runId, "chat"));
      assertThat(chat).extracting(Message::content)
          .containsExactly("turn 3", "echo: turn 3", "turn 4", "echo: turn 4");
      List<Message> brief = HopHandler.await(mesh.redis().memory().all(runId, "brief"));
      assertThat(brief).hasSizeLessThanOrEqualTo(4);
      assertThat(brief.getFirst().content()).startsWith("Summary of the earlier conversation: ");
      assertThat(brief.getLast().content()).isEqualTo("echo: note 4");
    }
  }

  @Test
  void aTurnProducedTwiceForOneInputIsKeptOnceInMemory() throws Exception {
    Graph graph = GraphLoader.parse("""
        name: %s
        models:
          m: {baseUrl: %s, model: sim-default, timeout: 10s}
        nodes:
          chat: {type: llm, model: m, prompt: "say {{input}}", memory: {maxMessages: 10}}
        edges:
          - {from: START, to: chat}
          - {from: chat, to: END}
        """.formatted(infra.uniqueName("memonce"), infra.simulator().baseUrl()), "graph.yaml", Path.of("."));
    try (MeshRedis redis = MeshRedis.connect(infra.redisUri())) {
      LlmExecutor chat = new LlmExecutor((LlmNode) graph.node("chat"),
          new ModelCatalog(graph, UnaryOperator.identity(), ModelCallListener.NONE), redis,
          new ToolBox(graph, HttpClient.newHttpClient()), new RuntimeMetrics(new SimpleMeterRegistry(), graph.name()));
      String runId = "memonce-" + UUID.randomUUID();

      // the same input twice, as after a crash between the model's answer and the checkpoint
      chat.execute(call(graph, runId, "in-1", "hello"));
      chat.execute(call(graph, runId, "in-1", "hello"));
      chat.execute(call(graph, runId, "in-2", "again"));

      assertThat(HopHandler.await(redis.memory().all(runId, "chat"))).extracting(Message::content)
          .containsExactly("say hello", "echo: say hello", "say again", "echo: say again");
    }
  }

  private static NodeCall call(Graph graph, String runId, String inputId, String text) {
    return new NodeCall(runId, graph.name(), "chat", inputId, text.getBytes(StandardCharsets.UTF_8),
        "text/plain; charset=utf-8", Map.of(), 1, Optional.empty(), () -> false);
  }
}
