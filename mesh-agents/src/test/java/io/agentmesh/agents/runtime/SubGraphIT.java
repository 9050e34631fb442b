package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph used as a node of another: the child runs on its own topics (from the child plan inside
 * the parent's plan) and its result flows back; deployed apart, the child's own agents run it; a
 * cancelled parent run cancels its child run.
 */
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

  /** Holds its input until the run is cancelled (at most a minute), telling {@link #HELD} which run it holds. */
  public static final class Hold implements Agent {
    static final BlockingQueue<String> HELD = new LinkedBlockingQueue<>();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      HELD.add(ctx.runId());
      long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (!ctx.cancelled() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      return AgentOutput.text(input.text());
    }
  }

  @Test
  void subGraphNodeRunsTheChildOnItsOwnTopicsAndRoutesItsResultBack(@TempDir Path dir) throws Exception {
    Names names = writeGraphs(dir, Stamp.class);
    Graph parent = GraphLoader.load(dir.resolve("parent.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec("""
        nodes:
          %s.draft: {replicas: 2, partitions: 4}
        """.formatted(names.child()), "deploy.yaml", parent);
    try (MeshHarness mesh = MeshHarness.of(infra, parent, spec, UnaryOperator.identity())) {
      MeshRuntime runtime = mesh.startAll();
      String runId = "sub-" + UUID.randomUUID();
      mesh.submit(runId, "{\"runId\": \"" + runId + "\", \"input\": \"brief\"}");

      RunResult result = mesh.result(runId, Duration.ofSeconds(60));

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      // a text output enters the child's ingress as a JSON string, as any JSON task would
      assertThat(ExamplesIT.text(result)).isEqualTo("\"\\\"brief\\\" > " + names.parent() + "/intake\" > " + names.child() + "/draft > "
          + names.child() + "/review > " + names.parent() + "/publish");
      assertThat(mesh.runRecord(runId).orElseThrow().nodes()).containsKeys("intake", "team", "publish");
      // the child's workers ran in this process, as many as the parent's spec asks (2 draft, 1 review)
      assertThat(runtime.subGraphs()).singleElement().satisfies(child -> assertThat(child.workers()).hasSize(3));
    }
  }

  @Test
  void theParentsPlanCreatesTheChildsTopicsSizedByTheParentsSpec(@TempDir Path dir) throws Exception {
    Names names = writeGraphs(dir, Stamp.class);
    Graph parent = GraphLoader.load(dir.resolve("parent.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec("""
        nodes:
          %s.review: {partitions: 5}
        """.formatted(names.child()), "deploy.yaml", parent);
    try (MeshHarness mesh = MeshHarness.of(infra, parent, spec, UnaryOperator.identity());
         Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      Plan child = mesh.plan.subGraph("team").orElseThrow();
      List<String> childTopics = child.topics().stream().map(Plan.TopicPlan::name).toList();
      assertThat(childTopics).contains("mesh." + names.child() + ".ingress", "mesh." + names.child() + ".edge.draft.review",
          "mesh." + names.child() + ".results", "mesh." + names.child() + ".dlq.review");

      Map<String, TopicDescription> onBroker = admin.describeTopics(childTopics).allTopicNames().get(30, TimeUnit.SECONDS);

      assertThat(onBroker.keySet()).containsExactlyInAnyOrderElementsOf(childTopics);
      assertThat(onBroker.get("mesh." + names.child() + ".edge.draft.review").partitions()).hasSize(5);
    }
  }

  @Test
  void deployedApartTheSubGraphNodeOnlyWaitsAndTheChildsOwnAgentsRunTheChild(@TempDir Path dir) throws Exception {
    Names names = writeGraphs(dir, Stamp.class);
    Graph parent = GraphLoader.load(dir.resolve("parent.yaml"));
    try (MeshHarness mesh = MeshHarness.of(infra, parent, DeploymentSpec.defaults(), UnaryOperator.identity())) {
      MeshRuntime parentAgents = mesh.runtime();
      mesh.plan.groups().forEach(g -> parentAgents.startNode(g.node(), 1)); // as `mesh agent --node N` does
      String runId = "apart-" + UUID.randomUUID();
      mesh.submit(runId, "{\"runId\": \"" + runId + "\", \"input\": \"brief\"}");

      assertThat(mesh.results(List.of(runId), Duration.ofSeconds(4))).as("no child agents, no result").isEmpty();
      assertThat(parentAgents.subGraphs()).isEmpty();

      mesh.runtime(parent.subGraphs().get(names.child()), mesh.plan.subGraph("team").orElseThrow()).startAll();
      RunResult result = mesh.result(runId, Duration.ofSeconds(60));

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).endsWith(names.child() + "/review > " + names.parent() + "/publish");
    }
  }

  @Test
  void cancellingTheParentRunCancelsTheChildRunAndEndsTheParentCancelled(@TempDir Path dir) throws Exception {
    Names names = writeGraphs(dir, Hold.class);
    Graph parent = GraphLoader.load(dir.resolve("parent.yaml"));
    try (MeshHarness mesh = MeshHarness.of(infra, parent, DeploymentSpec.defaults(), UnaryOperator.identity())) {
      mesh.startAll();
      String runId = "cancel-" + UUID.randomUUID();
      mesh.submit(runId, "{\"runId\": \"" + runId + "\", \"input\": \"brief\"}");
      String childRun = awaitHeld(held -> held.startsWith(runId + "-team-"));

      mesh.redis().runRecords().requestCancel(runId).toCompletableFuture().get(10, TimeUnit.SECONDS);
      RunResult result = mesh.result(runId, Duration.ofSeconds(30));

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.CANCELLED);
      assertThat(result.getError().getMessage()).contains("sub-graph '" + names.child() + "'", childRun);
      assertThat(mesh.redis().runRecords().isCancelRequested(childRun).toCompletableFuture().get(10, TimeUnit.SECONDS))
          .as("the child run was asked to cancel").isTrue();
      RunRecord child = awaitRecord(mesh, childRun, r -> r.status().isTerminal());
      assertThat(child.status()).isEqualTo(io.agentmesh.core.state.RunStatus.CANCELLED);
      assertThat(child.nodes()).containsKey("draft").doesNotContainKey("review");
      assertThat(mesh.runRecord(runId).orElseThrow().nodes()).doesNotContainKey("publish");
    }
  }

  private record Names(String parent, String child) {}

  /** parent: intake > team (graph child.yaml: draft > review) > publish, every node of class {@code agent}. */
  private Names writeGraphs(Path dir, Class<? extends Agent> agent) throws Exception {
    Names names = new Names(infra.uniqueName("parent"), infra.uniqueName("child"));
    Files.writeString(dir.resolve("child.yaml"), """
        name: %s
        nodes:
          draft: {type: java, class: %s}
          review: {type: java, class: %s}
        edges:
          - {from: START, to: draft}
          - {from: draft, to: review}
          - {from: review, to: END}
        """.formatted(names.child(), agent.getName(), Stamp.class.getName()));
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
        """.formatted(names.parent(), Stamp.class.getName(), Stamp.class.getName()));
    return names;
  }

  private static String awaitHeld(java.util.function.Predicate<String> wanted) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      String held = Hold.HELD.poll(1, TimeUnit.SECONDS);
      if (held != null && wanted.test(held)) {
        return held;
      }
    }
    throw new AssertionError("no child run reached the holding node within 60 s");
  }

  private static RunRecord awaitRecord(MeshHarness mesh, String runId, java.util.function.Predicate<RunRecord> done)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      var record = mesh.runRecord(runId);
      if (record.isPresent() && done.test(record.get())) {
        return record.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + runId + " did not reach the awaited state: " + mesh.runRecord(runId));
  }
}
