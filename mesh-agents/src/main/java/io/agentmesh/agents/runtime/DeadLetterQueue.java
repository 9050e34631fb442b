package io.agentmesh.agents.runtime;

import io.agentmesh.core.state.RunRecords;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topics of a graph, for operators ({@code mesh dlq}): list the dead letters, show
 * one, and re-drive one to the topic it came from.
 *
 * <p>Re-driving republishes the original key, value and headers (plus {@link #HEADER_REDRIVEN_FROM})
 * to the source topic, so the node that gave up sees the same input again, with a fresh retry
 * budget. The run is reopened first (FAILED -> RUNNING, error cleared: {@link RunRecords#reopen}) so
 * that, when the input now succeeds, the run can complete; doing it the other way round would let
 * a fast success find the run still FAILED. Dead-letter topics are append-only: a letter stays
 * listed after it was re-driven, and re-driving it twice publishes the input twice (the node's
 * checkpoint then answers the second copy without a new model call). A re-driven hop keeps its
 * deadline, so a run already past its deadline fails again with DEADLINE_EXCEEDED.
 */
public final class DeadLetterQueue implements AutoCloseable {

  /** Header added to a re-driven record: where its dead letter was ({@code topic-partition@offset}). */
  public static final String HEADER_REDRIVEN_FROM = "mesh-redriven-from";
  private static final Pattern REFERENCE = Pattern.compile("(.+)-(\\d+)@(\\d+)");

  private final String bootstrap;
  private final TopicNames topics;
  private final WireCodec codec;
  private final RunRecords runs;
  private final KafkaProducer<byte[], byte[]> producer;

  private DeadLetterQueue(String bootstrap, TopicNames topics, WireCodec codec, RunRecords runs) {
    this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The dead-letter queue of one graph; the caller keeps ownership of {@code runs}' connection. */
  public static DeadLetterQueue of(String bootstrap, TopicNames topics, WireCodec codec, RunRecords runs) {
    return new DeadLetterQueue(bootstrap, topics, codec, runs);
  }

  /**
   * One dead letter and where it is.
   *
   * @param topic the dead-letter topic
   * @param partition its partition
   * @param offset its offset
   * @param timestamp the record's timestamp
   * @param letter the decoded letter
   */
  public record Entry(String topic, int partition, long offset, Instant timestamp, DeadLetter letter) {
    public Entry {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(letter, "letter");
    }

    /** {@code topic-partition@offset}, as {@link #parseReference} reads it back. */
    public String reference() {
      return topic + "-" + partition + "@" + offset;
    }
  }

  /** Where a record is: its topic, partition and offset. */
  public record Reference(String topic, int partition, long offset) {}

  /** Reads {@code topic-partition@offset}; throws IllegalArgumentException naming the text otherwise. */
  public static Reference parseReference(String text) {
    Matcher m = REFERENCE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a dead-letter reference like mesh.g.dlq.node-0@12 (topic-partition@offset)");
    }
    return new Reference(m.group(1), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
  }

  /** The dead-letter topics of this graph that exist, sorted; with a node, only that node's. */
  public List<String> topics(Optional<String> node) {
    if (node.isPresent()) {
      return List.of(topics.dlq(node.get()));
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(name -> name.startsWith(topics.dlqPrefix())).sorted().toList();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing topics", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the topics of " + bootstrap + ": " + e.getMessage(), e);
    }
  }

  /** Every committed dead letter of the graph (or of one node), oldest first per partition. */
  public List<Entry> list(Optional<String> node, Duration timeout) {
    List<Entry> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      for (String topic : topics(node)) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
          continue; // no such topic: the node never dead-lettered (or does not exist)
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout); // read_committed: the stable offset
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            out.add(entry(record));
          }
        }
      }
    }
    out.sort(Comparator.comparing(Entry::topic).thenComparingInt(Entry::partition).thenComparingLong(Entry::offset));
    return out;
  }

  /** The dead letter at {@code reference}, or empty when there is none. */
  public Optional<Entry> show(Reference reference, Duration timeout) {
    TopicPartition partition = new TopicPartition(reference.topic(), reference.partition());
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      consumer.assign(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
      if (reference.offset() >= end) {
        return Optional.empty();
      }
      consumer.seek(partition, reference.offset());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && consumer.position(partition) < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() == reference.offset()) {
            return Optional.of(entry(record));
          }
          if (record.offset() > reference.offset()) {
            return Optional.empty(); // a transaction marker or an aborted record was there
          }
        }
      }
      return Optional.empty();
    }
  }

  /**
   * What a re-drive did.
   *
   * @param entry the dead letter re-driven
   * @param published where the original record now is again
   * @param runReopened whether the run went from FAILED back to RUNNING (false: no run id, or the
   *     run was not FAILED, e.g. already re-driven)
   */
  public record Redrive(Entry entry, Reference published, boolean runReopened) {}

  /** Re-drives one dead letter: reopens its run, then republishes the original record to its source topic. */
  public Redrive redrive(Entry entry) {
    DeadLetter letter = entry.letter();
    if (letter.getOriginalValue() == null) {
      throw new IllegalArgumentException("dead letter " + entry.reference() + " has no original value to re-drive");
    }
    boolean reopened = letter.getRunId() != null && HopHandler.await(runs.reopen(letter.getRunId()));
    RecordHeaders headers = new RecordHeaders();
    letter.getOriginalHeaders().forEach((name, value) -> headers.add(name.toString(), WireCodec.bytes(value)));
    headers.remove(HEADER_REDRIVEN_FROM);
    headers.add(HEADER_REDRIVEN_FROM, entry.reference().getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(letter.getSourceTopic(), null,
        bytesOrNull(letter.getOriginalKey()), WireCodec.bytes(letter.getOriginalValue()), headers);
    try {
      RecordMetadata sent = producer.send(record).get(30, TimeUnit.SECONDS);
      return new Redrive(entry, new Reference(sent.topic(), sent.partition(), sent.offset()), reopened);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while re-driving " + entry.reference(), e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot re-drive " + entry.reference() + " to " + letter.getSourceTopic() + ": "
          + e.getMessage() + (reopened ? " (run " + letter.getRunId() + " was reopened: re-drive again)" : ""), e);
    }
  }

  private Entry entry(ConsumerRecord<byte[], byte[]> record) {
    DeadLetter letter = codec.decode(record.topic(), record.value(), DeadLetter.class);
    return new Entry(record.topic(), record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()), letter);
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static byte[] bytesOrNull(ByteBuffer buffer) {
    return buffer == null ? null : WireCodec.bytes(buffer);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
