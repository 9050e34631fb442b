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
import io.agentmesh.deployer.cli.MeshCli;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh's central promise, end to end: kill -9 a replica's process while runs are in flight;
 * after a restart every run completes exactly once, and the model is called at most once per
 * input plus the calls that were in flight at the kill.
 */
@MeshInfraTest
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CrashRecoveryIT {

  private static final int RUNS = 120;

  @Test
  void completesEveryRunOnceAfterAReplicaIsKilledMidFlight(SharedInfra infra, @TempDir Path dir) throws Exception {
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
    Files.writeString(deployFile, "nodes:\n  polish: {maxInFlight: 20}\n"); // work stays queued at the kill
    Graph graph = GraphLoader.load(graphFile);
    Plan plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(deployFile, graph));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    TopicNames topics = TopicNames.of(plan.topicPrefix(), graphName);

    try (MeshRuntime draft = MeshRuntime.create(graph, plan, new MeshRuntime.Endpoints(infra.kafkaBootstrap(),
        infra.redisUri(), infra.registryUrl(), url -> url), new SimpleMeterRegistry())) {
      draft.startNode("draft", 1);
      Process first = agentProcess(infra, graphFile, deployFile, dir.resolve("first.log"));
      submit(infra.kafkaBootstrap(), topics.ingress(), graphName, RUNS);

      // kill -9 once the slow node has finished some inputs and has others in flight
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
          .until(() -> countCheckpoints(infra, graphName, "polish") >= 5
              && infra.simulator().stats().model(slowModel).inFlight() >= 5);
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      // what the killed replica had in flight: calls it made whose output it never checkpointed
      long callsBeforeRestart = infra.simulator().stats().model(slowModel).requests();
      long checkpointsBeforeRestart = countCheckpoints(infra, graphName, "polish");
      long inFlightAtKill = callsBeforeRestart - checkpointsBeforeRestart;

      Process second = agentProcess(infra, graphFile, deployFile, dir.resolve("second.log"));
      try {
        Map<String, List<RunResult>> results = readResults(infra, topics.results(), RUNS, Duration.ofSeconds(150));
        assertThat(results).as("runs with a result").hasSize(RUNS);
        assertThat(results.values()).as("results per run").allMatch(list -> list.size() == 1);
        assertThat(results.values()).allMatch(list -> list.getFirst().getStatus() == RunStatus.SUCCEEDED);

        long calls = infra.simulator().stats().model(slowModel).requests();
        assertThat(inFlightAtKill).as("calls in flight at the kill").isPositive();
        assertThat(checkpointsBeforeRestart).as("outputs checkpointed before the kill").isPositive();
        assertThat(callsBeforeRestart).as("calls made before the kill").isLessThan(RUNS);
        assertThat(calls).as("model calls of the killed node").isLessThanOrEqualTo(RUNS + inFlightAtKill);
      } finally {
        second.destroy();
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static Process agentProcess(SharedInfra infra, Path graphFile, Path deployFile, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), MeshCli.class.getName(),
        "agent", graphFile.toString(), deployFile.toString(), "--node", "polish",
        "--kafka", infra.kafkaBootstrap(), "--redis", infra.redisUri(), "--registry", infra.registryUrl())
        .redirectErrorStream(true)
        .start();
    CountDownLatch ready = new CountDownLatch(1);
    Thread.ofVirtual().start(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
           var out = Files.newBufferedWriter(log)) {
        for (String line; (line = reader.readLine()) != null; ) {
          out.write(line);
          out.newLine();
          out.flush();
          if (line.startsWith("agent ")) {
            ready.countDown();
          }
        }
      } catch (java.io.IOException ignored) {
        // the process died: that is the point of this test
      }
    });
    if (!ready.await(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("agent process did not start; its output:\n" + Files.readString(log));
    }
    return process;
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

  private static void submit(String bootstrap, String ingress, String graphName, int runs) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < runs; i++) {
        String runId = graphName + "-run-" + i;
        producer.send(new ProducerRecord<>(ingress, runId.getBytes(StandardCharsets.UTF_8),
            ("{\"q\": \"question " + i + "\"}").getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  /** Every committed result, grouped by run, read until all runs answered plus a settle time for duplicates. */
  private static Map<String, List<RunResult>> readResults(SharedInfra infra, String topic, int runs, Duration timeout) {
    WireCodec codec = WireCodec.forRegistry(infra.registryUrl());
    Map<String, List<RunResult>> byRun = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long settle = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settle)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          RunResult result = codec.decode(topic, record.value(), RunResult.class);
          byRun.computeIfAbsent(result.getRunId(), k -> new ArrayList<>()).add(result);
        }
        if (byRun.size() >= runs && settle == Long.MAX_VALUE) {
          settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        }
      }
    }
    return byRun;
  }
}
