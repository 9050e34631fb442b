package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.agentmesh.core.plan.AdminFutures;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topic chores for runtime tests against the real broker. */
final class Topics {

  private Topics() {}

  static void create(String bootstrap, int partitions, String... names) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String name : names) {
        topics.add(new NewTopic(name, partitions, (short) 1));
      }
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
      AdminFutures.awaitLeaders(admin, List.of(names), Duration.ofSeconds(30));
    }
  }

  static void produce(String bootstrap, String topic, int count) {
    produce(bootstrap, topic, 0, count);
  }

  /**
   * Records keyed run-i with values task-i, for i in [from, from + count), in one transaction: the
   * workers read read_committed, so an attempt that fails (a produce racing a new partition's
   * leadership can leave an idempotent producer retrying forever) is aborted and retried whole,
   * and the input is exactly these records.
   */
  static void produce(String bootstrap, String topic, int from, int count) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      Map<String, Object> config = Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ProducerConfig.LINGER_MS_CONFIG, 5,
          ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-input-" + java.util.UUID.randomUUID(),
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
          ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = from; i < from + count; i++) {
          producer.send(new ProducerRecord<>(topic, "run-" + i, "task-" + i));
        }
        producer.commitTransaction();
        return;
      } catch (RuntimeException e) {
        last = e; // aborted when the producer closes: nothing of this attempt is visible read_committed
      }
    }
    throw last;
  }


  /** Every committed record of the topic, read until {@code expected} arrived or the timeout passed, then 300 ms more. */
  static List<ConsumerRecord<String, String>> readCommitted(String bootstrap, String topic, int expected, Duration timeout) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long settle = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settle)) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        if (out.size() >= expected && settle == Long.MAX_VALUE) {
          settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300); // catch duplicates arriving late
        }
      }
    }
    return out;
  }
}
