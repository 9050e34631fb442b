package io.agentmesh.load;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmark 1, the reference: plain Kafka produce -> consume latency on the same broker, one
 * partition, acks=all, linger 0, open-loop arrival; latency from intended send to consumer poll.
 */
final class RawKafkaBench {

  private RawKafkaBench() {}

  /** Runs it on a quiet broker; the report holds the latency of records sent after the warm-up. */
  static Map<String, Object> run(BenchInfra infra, BenchOptions options) throws Exception {
    try (Probe probe = Probe.open(infra, options.payloadBytes())) {
      return probe.measure(options.rawRate(), options, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** The reference's producer (acks=all, linger 0, bytes), also what the worker diagnostic feeds its worker with. */
  static KafkaProducer<byte[], byte[]> plainProducer(String bootstrap) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 0), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * A plain producer and consumer on a topic of their own, ready to measure: the reference on a
   * quiet broker, or beside another benchmark's load on the same machine (what Kafka alone costs
   * while the machine's cores are busy with that load).
   */
  static final class Probe implements AutoCloseable {

    private final String topic;
    private final int size;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    private Probe(String topic, int size, KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer) {
      this.topic = topic;
      this.size = size;
      this.producer = producer;
      this.consumer = consumer;
    }

    /** Creates the topic and the clients, the consumer at the topic's end and the producer with its metadata. */
    static Probe open(BenchInfra infra, int payloadBytes) throws Exception {
      String topic = "bench.raw." + UUID.randomUUID().toString().substring(0, 8);
      infra.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      KafkaProducer<byte[], byte[]> producer = plainProducer(infra.bootstrap());
      KafkaConsumer<byte[], byte[]> consumer;
      try {
        consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrap(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      } catch (RuntimeException e) {
        producer.close();
        throw e;
      }
      Probe probe = new Probe(topic, Math.max(16, payloadBytes), producer, consumer);
      try {
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition);
        producer.partitionsFor(topic);
        return probe;
      } catch (RuntimeException e) {
        probe.close();
        throw e;
      }
    }

    /**
     * Sends {@code rate} records a second from {@code startNanos} (open loop) for the warm-up and
     * the measured window of {@code options}, and reports the latency of those sent in the window.
     */
    Map<String, Object> measure(int rate, BenchOptions options, long startNanos) throws InterruptedException {
      long warmupCount = (long) rate * options.warmupSeconds();
      long total = warmupCount + (long) rate * options.durationSeconds();
      Histogram micros = Latencies.newHistogram();
      double loadBefore = Machine.loadAverage();
      long[] received = {0};
      Thread reader = Thread.ofPlatform().name("bench-raw-consumer").start(() -> {
        long deadline = startNanos + TimeUnit.SECONDS.toNanos(options.warmupSeconds() + options.durationSeconds() + 30L);
        while (received[0] < total && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            ByteBuffer value = ByteBuffer.wrap(record.value());
            long intended = value.getLong();
            long index = value.getLong();
            if (index >= warmupCount) {
              micros.recordValue(Math.max(1, (now - intended) / 1000));
            }
            received[0]++;
          }
        }
      });
      long sent = OpenLoop.run(rate, total, startNanos, TimeUnit.SECONDS.toNanos(5), (index, intended) -> {
        byte[] value = ByteBuffer.allocate(size).putLong(intended).putLong(index).array();
        producer.send(new ProducerRecord<>(topic, value));
      });
      reader.join();
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("benchmark", "raw-kafka");
      report.put("rate_per_s", rate);
      report.put("record_bytes", size);
      report.put("sent", sent);
      report.put("received", received[0]);
      report.put("latency", Latencies.of(micros).toMap());
      report.put("load_average_1m", List.of(loadBefore, Machine.loadAverage()));
      report.put("_latencies", Latencies.of(micros));
      return report;
    }

    @Override
    public void close() {
      try {
        producer.close();
      } finally {
        consumer.close();
      }
    }
  }
}
