package io.agentmesh.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 the join's process mid-join: two of three branches of every run have been consumed and
 * committed into the join's store when the process dies; the third arrives while it is down. A new
 * process restores the store from its changelog and completes every run exactly once, with all
 * three branches.
 */
@MeshInfraTest
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class JoinCrashIT {

  private static final int RUNS = 30;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Answers with its node name. */
  public static final class Branch implements Agent {
    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) {
      return AgentOutput.json(Map.of("branch", ctx.node()));
    }
  }

  /** Answers with its node name once the test opens the gate. */
  public static final class Gated implements Agent {
    static final CountDownLatch GATE = new CountDownLatch(1);

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      GATE.await(120, TimeUnit.SECONDS);
      return AgentOutput.json(Map.of("branch", ctx.node()));
    }
  }

  @Test
  void completesEveryJoinOnceWithEveryBranchAfterTheJoinIsKilledMidJoin(SharedInfra infra, @TempDir Path dir) throws Exception {
    String graphName = infra.uniqueName("joincrash");
    Path graphFile = dir.resolve("graph.yaml");
    Files.writeString(graphFile, """
        name: %s
        nodes:
          split: {type: java, class: %s}
          a: {type: java, class: %s}
          b: {type: java, class: %s}
          c: {type: java, class: %s}
          merge: {type: join, merge: list}
        edges:
          - {from: START, to: split}
          - {from: split, to: [a, b, c]}
          - {from: a, to: merge}
          - {from: b, to: merge}
          - {from: c, to: merge}
          - {from: merge, to: END}
        """.formatted(graphName, Branch.class.getName(), Branch.class.getName(), Branch.class.getName(), Gated.class.getName()));
    Path deployFile = dir.resolve("deploy.yaml");
    Files.writeString(deployFile, "topics: {partitions: 3}\n");
    Graph graph = GraphLoader.load(graphFile);
    Plan plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(deployFile, graph));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
      TopicNames topics = TopicNames.of(plan.topicPrefix(), graphName);
      try (MeshRuntime branches = MeshRuntime.create(graph, plan, new MeshRuntime.Endpoints(infra.kafkaBootstrap(),
          infra.redisUri(), infra.registryUrl(), url -> url), new SimpleMeterRegistry())) {
        for (String node : List.of("split", "a", "b", "c")) {
          branches.startNode(node, 1);
        }
        Process first = CrashTests.agent(infra, graphFile, deployFile, "merge", dir, "first");
        try {
        CrashTests.submit(infra.kafkaBootstrap(), topics.ingress(), graphName, RUNS);

        // mid-join: the join has consumed and committed branches a and b of every run, c is held back
        String group = plan.group("merge").groupId();
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (String topic : List.of(topics.edge("a", "merge"), topics.edge("b", "merge"))) {
          assertThat(countCommitted(infra, topic, RUNS, Duration.ofSeconds(60))).as("hops on " + topic).isEqualTo(RUNS);
          ends.putAll(endOffsets(admin, topic)); // transaction markers take offsets too: compare with the ends
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> committedOffsets(admin, group).entrySet().containsAll(ends.entrySet())
                || ends.entrySet().stream().allMatch(e -> committedOffsets(admin, group).getOrDefault(e.getKey(), -1L) >= e.getValue()));
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(CrashTests.readResults(infra, topics.results(), 0, Duration.ofSeconds(1))).as("no run finished before c").isEmpty();

        Gated.GATE.countDown(); // the third branches arrive while the join is down
        Process second = CrashTests.agent(infra, graphFile, deployFile, "merge", dir, "second");
        try {
          Map<String, List<RunResult>> results = CrashTests.readResults(infra, topics.results(), RUNS, Duration.ofSeconds(120));
          assertThat(results).as("runs with a result").hasSize(RUNS);
          assertThat(results.values()).as("one result per run").allSatisfy(list -> assertThat(list).hasSize(1));
          for (List<RunResult> list : results.values()) {
            RunResult result = list.getFirst();
            assertThat(result.getStatus()).as("%s", result).isEqualTo(RunStatus.SUCCEEDED);
            JsonNode merged = JSON.readTree(StandardCharsets.UTF_8.decode(result.getOutput().duplicate()).toString());
            assertThat(merged.findValuesAsText("branch")).as("no branch lost").containsExactly("a", "b", "c");
          }
        } finally {
          second.destroy();
          second.waitFor(30, TimeUnit.SECONDS);
        }
        } finally {
          Gated.GATE.countDown();
          first.destroyForcibly();
        }
      }
    }
  }

  private static Map<TopicPartition, Long> committedOffsets(Admin admin, String group) {
    try {
      Map<TopicPartition, Long> out = new HashMap<>();
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
          .forEach((tp, offset) -> {
            if (offset != null) {
              out.put(tp, offset.offset());
            }
          });
      return out;
    } catch (Exception e) {
      return Map.of();
    }
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().size();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  /** Committed records on a topic, read until {@code expected} were seen or the timeout passed. */
  private static int countCommitted(SharedInfra infra, String topic, int expected, Duration timeout) {
    try (KafkaConsumer<byte[], byte[]> consumer = CrashTests.committedFromStart(infra, topic)) {
      int seen = 0;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (seen < expected && System.nanoTime() < deadline) {
        seen += consumer.poll(Duration.ofMillis(200)).count();
      }
      return seen;
    }
  }
}
