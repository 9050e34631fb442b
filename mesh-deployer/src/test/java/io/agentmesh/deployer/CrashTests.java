package io.agentmesh.deployer;

import io.agentmesh.deployer.cli.MeshCli;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the kill -9 tests share: agent processes to kill, tasks to submit, results to count per run. */
final class CrashTests {

  private CrashTests() {}

  /**
   * Starts {@code mesh agent} for one node in a child JVM (its output in {@code dir/name.log}, its
   * join state in {@code dir/state-name}) and returns once it consumes.
   */
  static Process agent(SharedInfra infra, Path graphFile, Path deployFile, String node, Path dir, String name) throws Exception {
    Path log = dir.resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-Dmesh.stateDir=" + dir.resolve("state-" + name), "-cp",
        System.getProperty("java.class.path"), MeshCli.class.getName(),
        "agent", graphFile.toString(), deployFile.toString(), "--node", node,
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
        // the process died: that is the point of these tests
      }
    });
    if (!ready.await(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("agent process for node " + node + " did not start; its output:\n" + Files.readString(log));
    }
    return process;
  }

  /** Publishes {@code runs} JSON tasks keyed {@code <graph>-run-<i>}. */
  static void submit(String bootstrap, String ingress, String graphName, int runs) throws Exception {
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

  /** Every committed result, grouped by run, read until {@code runs} runs answered plus 3 s for duplicates. */
  static Map<String, List<RunResult>> readResults(SharedInfra infra, String topic, int runs, Duration timeout) {
    WireCodec codec = WireCodec.forRegistry(infra.registryUrl());
    Map<String, List<RunResult>> byRun = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = committedFromStart(infra, topic)) {
      long deadline = System.nanoTime() + timeout.toNanos();
      long settle = runs == 0 ? deadline : Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settle)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          RunResult result = codec.decode(topic, record.value(), RunResult.class);
          byRun.computeIfAbsent(result.getRunId(), k -> new ArrayList<>()).add(result);
        }
        if (runs > 0 && byRun.size() >= runs && settle == Long.MAX_VALUE) {
          settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        }
      }
    }
    return byRun;
  }

  /** A read_committed consumer of every partition of {@code topic}, from its beginning (no group). */
  static KafkaConsumer<byte[], byte[]> committedFromStart(SharedInfra infra, String topic) {
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }
}
