package io.agentmesh.gateway;

import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ended run's events back from its graph's events topic, for an event stream opened after
 * the gateway's in-memory window has let the run go (D-021). The workers key every event by its
 * run id, so a run's events are in one partition, in order: the reader seeks that partition to
 * shortly before the run was created, reads forward and keeps the run's own events until its final
 * one. Bounded in records read, in time, and in readers at once; a read that hits a bound, or finds
 * no final event, answers empty and the stream says only how the run ended.
 *
 * <p>Blocking (a consumer of its own per read): call it off the event loop.
 */
final class EventHistory {

  private static final Logger LOG = LoggerFactory.getLogger(EventHistory.class);
  /** How far before the run's creation the read starts: producers' and brokers' clocks differ. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  static final int MAX_RECORDS = 200_000;
  static final Duration MAX_TIME = Duration.ofSeconds(10);
  static final int MAX_READERS = 4;

  private final String bootstrap;
  private final WireCodec codec;
  private final GatewayMetrics metrics;
  private final Semaphore readers = new Semaphore(MAX_READERS);

  EventHistory(String bootstrap, WireCodec codec, GatewayMetrics metrics) {
    this.bootstrap = bootstrap;
    this.codec = codec;
    this.metrics = metrics;
  }

  /**
   * The run's events from its first to its final one, numbered from 1 as a stream numbers them;
   * empty when they cannot all be read within the bounds, or {@link #MAX_READERS} reads are under
   * way already.
   */
  List<EventFeed.Event> read(String eventsTopic, String runId, Instant createdAt) {
    if (!readers.tryAcquire()) {
      LOG.debug("run {}: {} event-history reads under way already; the stream gets the run's end only", runId, MAX_READERS);
      metrics.eventsReadBack("busy");
      return List.of();
    }
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.CLIENT_ID_CONFIG, "mesh-gateway-history"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<EventFeed.Event> events = readFrom(consumer, eventsTopic, runId, createdAt);
      metrics.eventsReadBack(events.isEmpty() ? "not_found" : "found");
      return events;
    } catch (RuntimeException e) {
      LOG.warn("run {}: cannot read its events back from {}: {}", runId, eventsTopic, e.toString());
      metrics.eventsReadBack("error");
      return List.of();
    } finally {
      readers.release();
    }
  }

  private List<EventFeed.Event> readFrom(KafkaConsumer<byte[], byte[]> consumer, String topic, String runId, Instant createdAt) {
    long deadline = System.nanoTime() + MAX_TIME.toNanos();
    byte[] key = runId.getBytes(StandardCharsets.UTF_8);
    int partitions = consumer.partitionsFor(topic, left(deadline)).size();
    // the producers' default partitioner for a keyed record, which the workers' events are
    TopicPartition partition = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
    List<TopicPartition> assigned = List.of(partition);
    consumer.assign(assigned);
    long end = consumer.endOffsets(assigned, left(deadline)).get(partition);
    OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(partition, createdAt.minus(CLOCK_SKEW).toEpochMilli()),
        left(deadline)).get(partition);
    if (start == null) {
      return List.of(); // nothing was written to the partition since then
    }
    consumer.seek(partition, start.offset());
    List<EventFeed.Event> events = new ArrayList<>();
    long read = 0;
    while (consumer.position(partition) < end && read < MAX_RECORDS && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        read++;
        if (!Arrays.equals(record.key(), key)) {
          continue;
        }
        Optional<RunEvent> event = decode(record);
        if (event.isEmpty()) {
          continue;
        }
        RunEvent found = event.get();
        boolean terminal = terminal(found.getType());
        events.add(new EventFeed.Event(events.size() + 1, found.getType().name(), () -> RunJson.event(found).toString(), terminal));
        if (terminal) {
          return events;
        }
      }
    }
    LOG.info("run {}: its final event was not found in {} records of {} (to offset {}); the stream gets the run's end only",
        runId, read, partition, end);
    return List.of();
  }

  /** What is left of the read's time (the consumer's calls each take a timeout of their own). */
  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  private Optional<RunEvent> decode(ConsumerRecord<byte[], byte[]> record) {
    try {
      return Optional.of(codec.decode(record.topic(), record.value(), RunEvent.class));
    } catch (RuntimeException e) { // counted again on each read-back that meets it: each is a read that failed
      metrics.unreadable(record.topic());
      LOG.warn("cannot read {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
      return Optional.empty();
    }
  }

  /** Whether an event is a run's last. */
  static boolean terminal(RunEventType type) {
    return type == RunEventType.RUN_SUCCEEDED || type == RunEventType.RUN_FAILED || type == RunEventType.RUN_CANCELLED;
  }
}
