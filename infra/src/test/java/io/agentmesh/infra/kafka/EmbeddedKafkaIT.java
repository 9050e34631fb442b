package io.agentmesh.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.InfraException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedKafkaIT {

  private static final int RECORDS = 10_000;

  @Test
  void keepsTopicsAndRecordsAcrossRestartWithSameDirectory(@TempDir Path dir) throws Exception {
    String topic = "restart-" + System.nanoTime();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build().start()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      produce(kafka.bootstrapServers(), topic);
      assertThat(consumeAll(kafka.bootstrapServers(), topic)).hasSize(RECORDS).containsExactlyInAnyOrderElementsOf(expected());
    }

    try (EmbeddedKafka again = EmbeddedKafka.builder().dataDir(dir).build().start()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
      }
      assertThat(consumeAll(again.bootstrapServers(), topic)).containsExactlyInAnyOrderElementsOf(expected());
    }
  }

  @Test
  void leavesNoBrokerThreadAfterClose() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
    Path dir = kafka.dataDir();
    kafka.close();

    List<String> leftover = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(thread) && thread.isAlive() && !thread.isDaemon()) {
        leftover.add(thread.getName());
      }
    }
    assertThat(leftover).as("non-daemon threads started by the broker and still alive").isEmpty();
    assertThat(dir).as("temporary log directory").doesNotExist();
  }

  @Test
  void refusesAPortThatIsTaken() {
    try (EmbeddedKafka first = EmbeddedKafka.builder().build().start()) {
      EmbeddedKafka second = EmbeddedKafka.builder().port(first.port()).build();
      assertThatThrownBy(second::start)
          .isInstanceOf(InfraException.class)
          .hasMessageContaining("port " + first.port())
          .hasMessageContaining("already in use");
    }
  }

  @Test
  void rejectsAnIllegalPort() {
    assertThatThrownBy(() -> EmbeddedKafka.builder().port(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kafka: port must be 0 (any free port) or 1..65535, got 70000");
  }

  private static List<String> expected() {
    List<String> values = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      values.add("value-" + i);
    }
    return values;
  }

  private static void produce(String bootstrap, String topic) throws Exception {
    Map<String, Object> config = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i));
      }
      producer.flush();
    }
  }

  private static List<String> consumeAll(String bootstrap, String topic) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(info -> new TopicPartition(topic, info.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!caughtUp(consumer, end) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }
}
