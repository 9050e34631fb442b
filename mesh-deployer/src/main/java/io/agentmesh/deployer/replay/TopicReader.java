package io.agentmesh.deployer.replay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a range of some topics with its own consumer: no group id, partitions assigned and sought
 * by hand, nothing committed, so the agents' consumer groups never see it. Reads
 * {@code read_committed} (every mesh topic is written transactionally) up to the end offsets
 * (last stable offsets) found when the read starts.
 */
final class TopicReader {

  private static final Duration STALL_LIMIT = Duration.ofSeconds(30);

  private TopicReader() {
  }

  /** Hands every record of the range to {@code sink}, topic by topic interleaved as fetched. */
  static long read(String bootstrap, Collection<String> topics, ReadRange range, Progress progress,
                   Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-replay-reader-" + UUID.randomUUID().toString().substring(0, 8));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos != null) {
          infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
      }
      Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(partitions));
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      if (range.from().isPresent()) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, range.from().get().toEpochMilli()));
        consumer.offsetsForTimes(query).forEach((tp, found) -> start.put(tp, found == null ? end.get(tp) : found.offset()));
      }
      if (range.to().isPresent()) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, range.to().get().toEpochMilli()));
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> found : consumer.offsetsForTimes(query).entrySet()) {
          if (found.getValue() != null) {
            end.merge(found.getKey(), found.getValue().offset(), Math::min);
          }
        }
      }
      range.fromOffset().ifPresent(from -> partitions.forEach(tp -> start.merge(tp, from, Math::max)));
      range.toOffset().ifPresent(to -> partitions.forEach(tp -> end.merge(tp, to, Math::min)));
      List<TopicPartition> toRead = partitions.stream().filter(tp -> start.get(tp) < end.get(tp)).toList();
      long total = toRead.stream().mapToLong(tp -> end.get(tp) - start.get(tp)).sum();
      consumer.assign(toRead);
      toRead.forEach(tp -> consumer.seek(tp, start.get(tp)));
      List<TopicPartition> open = new ArrayList<>(toRead);
      long read = 0;
      long delivered = 0;
      long lastProgress = System.nanoTime();
      progress.update("reading", 0, total);
      while (!open.isEmpty()) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (record.offset() >= end.get(tp)) {
            continue;
          }
          read++;
          if (range.contains(record.timestamp())) {
            sink.accept(record);
            delivered++;
          }
        }
        if (!records.isEmpty()) {
          lastProgress = System.nanoTime();
        }
        open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
        consumer.pause(toRead.stream().filter(tp -> !open.contains(tp)).toList());
        progress.update("reading", Math.min(read, total), total);
        if (System.nanoTime() - lastProgress > STALL_LIMIT.toNanos()) {
          throw new IllegalStateException("reading " + open + " made no progress for " + STALL_LIMIT.toSeconds() + " s");
        }
      }
      progress.update("reading", total, total);
      return delivered;
    }
  }
}
