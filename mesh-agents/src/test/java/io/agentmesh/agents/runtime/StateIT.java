package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.state.Message;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared run state, claim checks and agent memory on the real broker and Redis: two parallel
 * branches writing the state at the same moment both keep their update; a 5 MB payload crosses
 * three hops by reference; an llm node's memory stays within its bound, trimmed or summarised.
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
}
