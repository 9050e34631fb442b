package io.agentmesh.infra.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compacted single-partition topic that stores the registry, and the thread that reads it.
 *
 * <p>A reader thread follows the topic from the beginning and hands every record to the view.
 * {@link #append} produces a record and returns only once the reader has applied it, so a write
 * is visible to the writer's next read (read-your-write, as Confluent's registry does).
 */
final class SchemaLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaLog.class);

  private final String bootstrap;
  private final TopicPartition partition;
  private final short replicationFactor;
  private final Duration timeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition advanced = lock.newCondition();
  private long nextOffset; // guarded by lock: offset of the next record the reader will apply
  private volatile RuntimeException readerFailure;
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread reader;

  SchemaLog(String bootstrap, String topic, short replicationFactor, Duration timeout) {
    this.bootstrap = bootstrap;
    this.partition = new TopicPartition(topic, 0);
    this.replicationFactor = replicationFactor;
    this.timeout = timeout;
  }

  /** Creates the topic if missing, reads it to its end into {@code sink}, then keeps following it. */
  void start(Consumer<StoreRecord> sink) {
    ensureTopic();
    producer = new KafkaProducer<>(producerConfig());
    consumer = new KafkaConsumer<>(consumerConfig());
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    long end;
    try {
      end = consumer.endOffsets(List.of(partition), timeout).get(partition);
    } catch (RuntimeException e) {
      throw unreachable(e);
    }
    reader = Thread.ofPlatform().name("schema-registry-reader-" + partition.topic()).daemon()
        .start(() -> follow(sink));
    awaitApplied(end - 1);
  }

  /** Produces a record and waits until the reader has applied it. */
  void append(StoreRecord record) {
    RecordMetadata written;
    try {
      written = producer.send(new ProducerRecord<>(partition.topic(), 0, record.key(), record.value()))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.storeError("interrupted while writing to " + partition, e);
    } catch (ExecutionException e) {
      throw RegistryException.storeError("cannot write to " + partition + ": " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw RegistryException.storeTimeout("writing to " + partition + " took over " + timeout);
    }
    awaitApplied(written.offset());
  }

  private void follow(Consumer<StoreRecord> sink) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          StoreRecord.decode(r.key(), r.value()).ifPresent(sink);
        }
        long position = consumer.position(partition);
        lock.lock();
        try {
          if (position != nextOffset) {
            nextOffset = position;
            advanced.signalAll();
          }
        } finally {
          lock.unlock();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("Schema Registry stopped reading {}", partition, e);
      readerFailure = e;
      lock.lock();
      try {
        advanced.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void awaitApplied(long offset) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (nextOffset <= offset) {
        if (readerFailure != null) {
          throw RegistryException.storeError("reader of " + partition + " failed", readerFailure);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw RegistryException.storeTimeout("reading back offset " + offset + " of " + partition
              + " took over " + timeout);
        }
        advanced.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.storeError("interrupted while reading " + partition, e);
    } finally {
      lock.unlock();
    }
  }

  private void ensureTopic() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    try (Admin admin = Admin.create(props)) {
      Set<String> names = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (names.contains(partition.topic())) {
        return;
      }
      NewTopic topic = new NewTopic(partition.topic(), 1, replicationFactor).configs(Map.of(
          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Created schema topic {} (compacted, replication factor {})", partition.topic(),
            replicationFactor);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create schema topic '" + partition.topic() + "' on "
              + bootstrap + ": " + e.getCause().getMessage(), e.getCause());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while connecting to Kafka at " + bootstrap, e);
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
      throw unreachable(e);
    }
  }

  private IllegalStateException unreachable(Exception e) {
    return new IllegalStateException("Kafka at " + bootstrap + " is unreachable within " + timeout
        + " (Schema Registry topic '" + partition.topic() + "'): " + e, e);
  }

  private Properties producerConfig() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeout.toMillis(), 31_000));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  private Properties consumerConfig() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  @Override
  public void close() {
    if (reader != null) {
      consumer.wakeup();
      try {
        reader.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (consumer != null) {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
