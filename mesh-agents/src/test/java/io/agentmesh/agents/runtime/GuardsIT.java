package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Per-run guards end a run with the reason: max hops, token budget, deadline, no route, cancel. */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GuardsIT {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final SharedInfra infra;

  GuardsIT(SharedInfra infra) {
    this.infra = infra;
  }

  /** Writes a new draft each time round the loop. */
  public static final class Writer implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.json(Map.of("draft", input.text().length()));
    }
  }

  /** Never approves. */
  public static final class Reviewer implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.json(Map.of("approved", false));
    }
  }

  /** Passes its input on. */
  public static final class Echo implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return new AgentOutput(input.payload(), input.contentType(), Map.of());
    }
  }

  /** Holds each run until the test opens its gate. */
  public static final class Gate implements Agent {
    static final Map<String, CountDownLatch> ENTERED = new ConcurrentHashMap<>();
    static final Map<String, CountDownLatch> OPEN = new ConcurrentHashMap<>();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      ENTERED.computeIfAbsent(ctx.runId(), k -> new CountDownLatch(1)).countDown();
      OPEN.computeIfAbsent(ctx.runId(), k -> new CountDownLatch(1)).await(30, TimeUnit.SECONDS);
      return new AgentOutput(input.payload(), input.contentType(), Map.of());
    }
  }

  @Test
  void aLoopThatNeverConvergesStopsAtMaxHops() throws Exception {
    String name = infra.uniqueName("loop");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        guards: {maxHops: 5}
        nodes:
          writer: {type: java, class: %s}
          reviewer: {type: java, class: %s}
        edges:
          - {from: START, to: writer}
          - {from: writer, to: reviewer}
          - {from: reviewer, to: writer, when: "!output.approved"}
          - {from: reviewer, to: END, when: "output.approved"}
        """.formatted(name, Writer.class.getName(), Reviewer.class.getName()))) {
      String runId = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(runId, "{\"topic\": \"loops\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertFailed(result, ErrorCode.MAX_HOPS, "maxHops is 5");
      assertThat(result.getError().getNode()).isEqualTo("reviewer"); // hops 0..4: w r w r w, hop 5 is the reviewer's
      assertThat(mesh.runRecord(runId).orElseThrow().status()).isEqualTo(io.agentmesh.core.state.RunStatus.FAILED);
    }
  }

  @Test
  void aRunOverItsTokenBudgetFails() throws Exception {
    String name = infra.uniqueName("budget");
    String model = infra.uniqueName("sim-verbose");
    infra.simulator().putModel(ModelBehaviour.builder(model).defaultReply("word ".repeat(200)).build());
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        guards: {tokenBudget: 100}
        models:
          m: {baseUrl: "%s", model: %s, timeout: 5s}
        nodes:
          talker: {type: llm, model: m}
          after: {type: java, class: %s}
        edges:
          - {from: START, to: talker}
          - {from: talker, to: after}
          - {from: after, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, Echo.class.getName()))) {
      String runId = infra.uniqueName("run");
      MeshRuntime runtime = mesh.startAll();
      mesh.submit(runId, "{\"question\": \"tell me everything\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertFailed(result, ErrorCode.BUDGET_EXCEEDED, "over the budget of 100");
      assertThat(result.getError().getNode()).isEqualTo("talker");
      assertThat(mesh.runRecord(runId).orElseThrow().error().orElseThrow().code()).isEqualTo("BUDGET_EXCEEDED");

      // the task again, as after a crash between the checkpoint and the commit: answered from the
      // checkpoint, over the budget all the same, so nothing goes on to the next node
      runtime = mesh.redeliverFromStart(runtime, "talker");
      MeshRuntime replayed = runtime;
      await().atMost(WAIT).untilAsserted(() -> {
        Counter hits = mesh.meters(replayed).find("mesh.checkpoint.hits").tag("node", "talker").counter();
        assertThat(hits).isNotNull().extracting(Counter::count).isEqualTo(1.0);
        assertThat(mesh.committedOffsets("talker")).isEqualTo(1);
      });
      assertThat(mesh.endOffsets(mesh.topics.edge("talker", "after"))).isZero();
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(1);
    }
  }

  /**
   * The run's deadline cuts a slow model call short: the run fails at its deadline, not when the
   * model answers (30 s here, past the test's wait), and no retry or second call follows.
   */
  @Test
  void theGraphsDeadlineCutsASlowModelCallShort() throws Exception {
    String model = slowModel(Duration.ofSeconds(30));
    try (MeshHarness mesh = oneLlmNodeUnderDeadline("2s", model, "slow", "{type: llm, model: m}")) {
      String runId = infra.uniqueName("run");
      mesh.startAll();
      long submitted = System.nanoTime();
      mesh.submit(runId, "{\"question\": \"take your time\"}");

      RunResult result = mesh.result(runId, Duration.ofSeconds(20));

      assertFailed(result, ErrorCode.DEADLINE_EXCEEDED, "while node 'slow' waited for model 'm'");
      assertThat(Duration.ofNanos(System.nanoTime() - submitted)).isLessThan(Duration.ofSeconds(20));
      assertThat(infra.simulator().stats().model(model).requests()).isEqualTo(1);
      assertThat(mesh.endOffsets(mesh.topics.dlq("slow"))).as("a guard, not a dead letter").isZero();
    }
  }

  /**
   * The memory summary's model call runs on another thread; a deadline that cuts it still fails the
   * run as the guard it is. The node's own call (2 s) ends inside the 4 s deadline; the summary's,
   * which starts after it and takes as long, cannot.
   */
  @Test
  void theGraphsDeadlineCutsAMemorySummaryShort() throws Exception {
    String model = slowModel(Duration.ofSeconds(2));
    try (MeshHarness mesh = oneLlmNodeUnderDeadline("4s", model, "chat",
        "{type: llm, model: m, memory: {maxTokens: 8, summarise: true}}")) {
      String runId = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(runId, "{\"question\": \"remember this\"}");

      RunResult result = mesh.result(runId, Duration.ofSeconds(20));

      assertFailed(result, ErrorCode.DEADLINE_EXCEEDED, "while node 'chat' waited for model 'm'");
      assertThat(infra.simulator().stats().model(model).requests()).as("the node's call, then the summary's").isEqualTo(2);
      assertThat(mesh.endOffsets(mesh.topics.dlq("chat"))).as("a guard, not a dead letter").isZero();
    }
  }

  /** A simulator model of its own that answers after {@code latency}; returns its name. */
  private String slowModel(Duration latency) {
    String model = infra.uniqueName("sim-slow");
    infra.simulator().putModel(ModelBehaviour.builder(model).latency(Latency.fixed(latency)).build());
    return model;
  }

  /**
   * START -> {@code node} -> END under the graph deadline {@code deadline}; model 'm' is the
   * simulator's {@code model}, its timeout (60 s) past any deadline here.
   */
  private MeshHarness oneLlmNodeUnderDeadline(String deadline, String model, String node, String nodeSpec) throws Exception {
    return MeshHarness.of(infra, """
        name: %s
        guards: {deadline: %s}
        models:
          m: {baseUrl: "%s", model: %s, timeout: 60s}
        nodes:
          %s: %s
        edges:
          - {from: START, to: %s}
          - {from: %s, to: END}
        """.formatted(infra.uniqueName("deadline"), deadline, infra.simulator().baseUrl(), model, node, nodeSpec, node, node));
  }

  /** Sleeps past any short deadline, then answers: blocking code the runtime cannot cut short. */
  public static final class Sleepy implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws InterruptedException {
      Thread.sleep(3_000);
      return new AgentOutput(input.payload(), input.contentType(), Map.of());
    }
  }

  /** A node that outlasts the graph's deadline ends its run, though it answered. */
  @Test
  void aNodeThatRunsPastTheGraphsDeadlineFailsTheRun() throws Exception {
    String name = infra.uniqueName("sleepy-deadline");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        guards: {deadline: 2s}
        nodes:
          slow: {type: java, class: %s}
          after: {type: java, class: %s}
        edges:
          - {from: START, to: slow}
          - {from: slow, to: after}
          - {from: after, to: END}
        """.formatted(name, Sleepy.class.getName(), Echo.class.getName()))) {
      String runId = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(runId, "{\"question\": \"take your time\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertFailed(result, ErrorCode.DEADLINE_EXCEEDED, "while node 'slow' ran");
      assertThat(mesh.endOffsets(mesh.topics.edge("slow", "after"))).isZero();
    }
  }

  @Test
  void aRunPastItsDeadlineFails() throws Exception {
    String name = infra.uniqueName("deadline");
    try (MeshHarness mesh = MeshHarness.of(infra, echoLine(name, "only"))) {
      String runId = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(runId, "{\"input\": {\"q\": 1}, \"deadline\": \"2020-01-01T00:00:00Z\"}");

      assertFailed(mesh.result(runId, WAIT), ErrorCode.DEADLINE_EXCEEDED, "deadline");
    }
  }

  /** Counts its calls: a task that breaks the input schema must never reach it. */
  public static final class Counting implements Agent {
    static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      CALLS.incrementAndGet();
      return new AgentOutput(input.payload(), input.contentType(), Map.of());
    }
  }

  @Test
  void aTaskBreakingTheInputSchemaFailsWithValidationBeforeAnyNodeRuns() throws Exception {
    String name = infra.uniqueName("schema");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        inputSchema:
          type: object
          required: [topic]
          properties:
            topic: {type: string}
        nodes:
          work: {type: java, class: %s}
        edges:
          - {from: START, to: work}
          - {from: work, to: END}
        """.formatted(name, Counting.class.getName()))) {
      String good = infra.uniqueName("run");
      String bad = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(bad, "{\"question\": \"no topic here\"}");
      mesh.submit(good, "{\"topic\": \"joins\"}");

      RunResult result = mesh.result(bad, WAIT);
      assertFailed(result, ErrorCode.VALIDATION, "required property 'topic' not found");
      assertThat(mesh.result(good, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(Counting.CALLS.get()).as("node calls: only the valid task's").isEqualTo(1);
      assertThat(mesh.deadLetters("work", 1, WAIT)).singleElement().satisfies(letter -> {
        assertThat(letter.getRunId()).isEqualTo(bad);
        assertThat(letter.getSourceTopic()).isEqualTo(mesh.topics.ingress());
        assertThat(letter.getErrorMessage()).contains("required property 'topic' not found");
      });
    }
  }

  @Test
  void aRouterWithNoMatchingEdgeAndNoDefaultFailsWithNoRoute() throws Exception {
    String name = infra.uniqueName("noroute");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          route: {type: router}
          a: {type: java, class: %s}
          b: {type: java, class: %s}
        edges:
          - {from: START, to: route}
          - {from: route, to: a, when: "output.kind == 'a'"}
          - {from: route, to: b, when: "output.kind == 'b'"}
          - {from: a, to: END}
          - {from: b, to: END}
        """.formatted(name, Echo.class.getName(), Echo.class.getName()))) {
      String runA = infra.uniqueName("run");
      String runC = infra.uniqueName("run");
      mesh.startAll();
      mesh.submit(runA, "{\"kind\": \"a\"}");
      mesh.submit(runC, "{\"kind\": \"c\"}");

      assertThat(mesh.result(runA, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      RunResult result = mesh.result(runC, WAIT);
      assertFailed(result, ErrorCode.NO_ROUTE, "no edge matched");
      assertThat(result.getError().getNode()).isEqualTo("route");
    }
  }

  @Test
  void aRunCancelledBeforeItsNextHopEndsCancelled() throws Exception {
    String name = infra.uniqueName("cancel");
    String runId = infra.uniqueName("run");
    try (MeshHarness mesh = MeshHarness.of(infra, """
        name: %s
        nodes:
          gate: {type: java, class: %s}
          next: {type: java, class: %s}
        edges:
          - {from: START, to: gate}
          - {from: gate, to: next}
          - {from: next, to: END}
        """.formatted(name, Gate.class.getName(), Echo.class.getName()))) {
      mesh.startAll();
      mesh.submit(runId, "{\"q\": 1}");
      assertThat(Gate.ENTERED.computeIfAbsent(runId, k -> new CountDownLatch(1)).await(30, TimeUnit.SECONDS)).isTrue();

      HopHandler.await(mesh.redis().runRecords().requestCancel(runId));
      Gate.OPEN.computeIfAbsent(runId, k -> new CountDownLatch(1)).countDown();

      RunResult result = mesh.result(runId, WAIT);
      assertThat(result.getStatus()).isEqualTo(RunStatus.CANCELLED);
      assertThat(result.getError().getCode()).isEqualTo(ErrorCode.CANCELLED);
      assertThat(result.getError().getNode()).isEqualTo("next");
      assertThat(mesh.runRecord(runId).orElseThrow().status()).isEqualTo(io.agentmesh.core.state.RunStatus.CANCELLED);
    }
  }

  @Test
  void aSecondTaskNamingAFinishedRunIsIgnoredNotRunAgain() throws Exception {
    String name = infra.uniqueName("dup");
    try (MeshHarness mesh = echoGraph(name)) {
      String runId = infra.uniqueName("run");
      MeshRuntime runtime = mesh.startAll();
      mesh.submit(runId, "{\"n\": 1}");
      assertThat(mesh.result(runId, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);

      mesh.submit(runId, "{\"n\": 2}"); // the same run id again, e.g. a client retrying its publish
      await().atMost(WAIT).until(() ->
          mesh.meters(runtime).find(MeshMetric.DUPLICATE_TASKS.metricName()).counters().stream()
              .mapToDouble(Counter::count).sum() == 1.0);
      assertThat(mesh.resultsOf(runId, 2, Duration.ofSeconds(2))).as("results of %s", runId).hasSize(1)
          .allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.SUCCEEDED));
    }
  }

  @Test
  void aTaskNamingAnotherGraphsRunFailsAloneAndLeavesThatRunAsItWas() throws Exception {
    String first = infra.uniqueName("owner");
    String second = infra.uniqueName("intruder");
    try (MeshHarness owner = echoGraph(first); MeshHarness intruder = echoGraph(second)) {
      String runId = infra.uniqueName("run");
      owner.startAll();
      intruder.startAll();
      owner.submit(runId, "{\"n\": 1}");
      assertThat(owner.result(runId, WAIT).getStatus()).isEqualTo(RunStatus.SUCCEEDED);

      intruder.submit(runId, "{\"n\": 2}");
      RunResult refused = intruder.result(runId, WAIT);
      assertFailed(refused, ErrorCode.VALIDATION, "already names a run of graph '" + first + "'");
      io.agentmesh.core.state.RunRecord run = owner.runRecord(runId).orElseThrow();
      assertThat(run.graph()).isEqualTo(first);
      assertThat(run.status()).isEqualTo(io.agentmesh.core.state.RunStatus.SUCCEEDED);
      assertThat(owner.resultsOf(runId, 2, Duration.ofSeconds(2))).hasSize(1);
    }
  }

  /** {@code START -> echo -> END}. */
  private MeshHarness echoGraph(String name) throws Exception {
    return MeshHarness.of(infra, echoLine(name, "echo"));
  }

  /** graph.yaml of {@link Echo} nodes in a line: START -> nodes[0] -> ... -> END. */
  static String echoLine(String name, String... nodes) {
    StringBuilder yaml = new StringBuilder("name: " + name + "\nnodes:\n");
    for (String node : nodes) {
      yaml.append("  ").append(node).append(": {type: java, class: ").append(Echo.class.getName()).append("}\n");
    }
    yaml.append("edges:\n");
    String from = "START";
    for (String node : nodes) {
      yaml.append("  - {from: ").append(from).append(", to: ").append(node).append("}\n");
      from = node;
    }
    return yaml.append("  - {from: ").append(from).append(", to: END}\n").toString();
  }

  static void assertFailed(RunResult result, ErrorCode code, String messagePart) {
    assertThat(result.getStatus()).as("status of %s", result).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getCode()).as("error of %s", result).isEqualTo(code);
    assertThat(result.getError().getMessage()).contains(messagePart);
  }
}
