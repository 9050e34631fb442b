package io.agentmesh.deployer.cli;

import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Waits for one run's result on a graph's results topic. Positions are taken at the end of every
 * partition when the watcher is created — before the task is published — so the result cannot
 * slip past; reads are read_committed, so only results of committed transactions count.
 */
final class ResultWatcher implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final WireCodec codec;

  ResultWatcher(String bootstrap, String topic, WireCodec codec) {
    this.topic = topic;
    this.codec = codec;
    this.consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    if (partitions.isEmpty()) {
      throw new IllegalStateException("results topic " + topic + " does not exist: is the graph deployed (mesh run)?");
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // pin the positions now
  }

  /** The run's result, or empty when none arrived within the timeout. */
  Optional<RunResult> await(String runId, Duration timeout) {
    byte[] key = runId.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        if (record.key() != null && java.util.Arrays.equals(record.key(), key)) {
          return Optional.of(codec.decode(topic, record.value(), RunResult.class));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
