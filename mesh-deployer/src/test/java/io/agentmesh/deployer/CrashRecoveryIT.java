package io.agentmesh.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.state.RedisKeys;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.deployer.replay.Profile;
import io.agentmesh.deployer.replay.Profiler;
import io.agentmesh.deployer.replay.Progress;
import io.agentmesh.deployer.replay.ReadRange;
import io.agentmesh.deployer.replay.Recording;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mesh's central promise, end to end: kill -9 a replica's process while runs are in flight;
 * after a restart every run completes exactly once, and the model is called at most once per
 * input plus the calls that were in flight at the kill. Under both delivery guarantees.
 */
@MeshInfraTest
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CrashRecoveryIT {

  private static final int RUNS = 120;

  /**
   * Exactly-once (the default): one result per run. At-least-once (D-020): a run may have its
   * result twice (published, then killed before the offset commit), always the same one.
   */
  @ParameterizedTest(name = "delivery {0}")
  @ValueSource(strings = {"exactly-once", "at-least-once"})
  void completesEveryRunOnceAfterAReplicaIsKilledMidFlight(String delivery, SharedInfra infra, @TempDir Path dir) throws Exception {
    String graphName = infra.uniqueName("crash");
    String fastModel = infra.uniqueName("fast");
    String slowModel = infra.uniqueName("slow");
    infra.simulator().putModel(ModelBehaviour.builder(fastModel).latency(Latency.fixed(Duration.ofMillis(5))).build());
    infra.simulator().putModel(ModelBehaviour.builder(slowModel).latency(Latency.fixed(Duration.ofMillis(400))).build());
    Path graphFile = dir.resolve("graph.yaml");
    Files.writeString(graphFile, """
        name: %s
        version: "1"
        models:
          fast: {baseUrl: %s, model: %s, timeout: 10s}
          slow: {baseUrl: %s, model: %s, timeout: 10s}
        nodes:
          draft: {type: llm, model: fast, prompt: "Draft an answer to {{input.q}}"}
          polish: {type: llm, model: slow, prompt: "Polish: {{input}}"}
        edges:
          - {from: START, to: draft}
          - {from: draft, to: polish}
          - {from: polish, to: END}
        """.formatted(graphName, infra.simulator().baseUrl(), fastModel, infra.simulator().baseUrl(), slowModel));
    Path deployFile = dir.resolve("deploy.yaml");
    Files.writeString(deployFile, "delivery: " + delivery + "\nnodes:\n  polish: {maxInFlight: 20}\n"); // work stays queued at the kill
    Graph graph = GraphLoader.load(graphFile);
    Plan plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(deployFile, graph));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    TopicNames topics = TopicNames.of(plan.topicPrefix(), graphName);

    try (MeshRuntime draft = MeshRuntime.create(graph, plan, new MeshRuntime.Endpoints(infra.kafkaBootstrap(),
        infra.redisUri(), infra.registryUrl(), url -> url), new SimpleMeterRegistry())) {
      draft.startNode("draft", 1);
      Process first = CrashTests.agent(infra, graphFile, deployFile, "polish", dir, "first");
      CrashTests.submit(infra.kafkaBootstrap(), topics.ingress(), graphName, RUNS);

      // kill -9 once the slow node has finished some inputs and has others in flight
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
          .until(() -> countCheckpoints(infra, graphName, "polish") >= 5
              && infra.simulator().stats().model(slowModel).inFlight() >= 5);
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      // what the killed replica had in flight: calls it made whose output it never checkpointed
      long callsBeforeRestart = infra.simulator().stats().model(slowModel).requests();
      long checkpointsBeforeRestart = countCheckpoints(infra, graphName, "polish");
      long inFlightAtKill = callsBeforeRestart - checkpointsBeforeRestart;

      Process second = CrashTests.agent(infra, graphFile, deployFile, "polish", dir, "second");
      try {
        Map<String, List<RunResult>> results = CrashTests.readResults(infra, topics.results(), RUNS, Duration.ofSeconds(150));
        assertThat(results).as("runs with a result").hasSize(RUNS);
        if (delivery.equals("exactly-once")) {
          assertThat(results.values()).as("results per run").allMatch(list -> list.size() == 1);
        } else {
          assertThat(results.values()).as("a run's results, when it has several").allMatch(list ->
              list.stream().map(r -> List.of(r.getStatus(), r.getOutput())).distinct().count() == 1);
        }
        assertThat(results.values()).allMatch(list -> list.getFirst().getStatus() == RunStatus.SUCCEEDED);
        assertThat(Files.readString(dir.resolve("second.log"))).as("the restarted replica's log")
            .contains("in flight up to 20, " + delivery + ")");

        long calls = infra.simulator().stats().model(slowModel).requests();
        assertThat(inFlightAtKill).as("calls in flight at the kill").isPositive();
        assertThat(checkpointsBeforeRestart).as("outputs checkpointed before the kill").isPositive();
        assertThat(callsBeforeRestart).as("calls made before the kill").isLessThan(RUNS);
        assertThat(calls).as("model calls of the killed node").isLessThanOrEqualTo(RUNS + inFlightAtKill);

        // a profile of the recorded topics counts each run, and each node's input, once: what the
        // redeliveries re-sent from the checkpoints is not a second execution
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          Profile profile = Profiler.profile(Recording.read(infra.kafkaBootstrap(), infra.registryUrl(), topics, graphName,
              ReadRange.ALL, Progress.none()), 1);
          assertThat(profile.succeeded()).as("runs succeeded").isEqualTo(RUNS);
          assertThat(profile.nodes().get("draft").executions()).as("draft executions").isEqualTo(RUNS);
          assertThat(profile.nodes().get("polish").executions()).as("polish executions").isEqualTo(RUNS);
        });
      } finally {
        second.destroy();
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Checkpoints of one node for this test's runs (their ids start with the graph's name). */
  private static long countCheckpoints(SharedInfra infra, String graphName, String node) {
    RedisClient client = RedisClient.create(infra.redisUri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      String pattern = new RedisKeys("mesh").checkpoint(graphName + "-run-*", node, "*");
      long count = 0;
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = connection.sync().scan(cursor, ScanArgs.Builder.matches(pattern).limit(1_000));
        count += page.getKeys().size();
        cursor = page;
      } while (!cursor.isFinished());
      return count;
    } finally {
      client.shutdown();
    }
  }
}
