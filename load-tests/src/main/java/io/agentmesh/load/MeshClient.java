package io.agentmesh.load;

import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What any client of a graph does: publish plain-JSON tasks on the ingress topic keyed by run id,
 * and read results (Avro RunResult, read_committed) on the results topic. A result is matched to
 * its task by run id; the listener sees each result of a task this client submitted once.
 */
final class MeshClient implements AutoCloseable {

  /** Called on the results thread for each result of a pending run. */
  @FunctionalInterface
  interface Listener {
    void onResult(String runId, long startNanos, boolean measured, boolean succeeded, long nowNanos);
  }

  private record Pending(long startNanos, boolean measured) {}

  private final String ingress;
  private final String results;
  private final WireCodec codec;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong listenerErrors = new AtomicLong();
  private final Thread reader;
  private volatile Listener listener = (runId, start, measured, ok, now) -> { };
  private volatile boolean closed;

  MeshClient(String bootstrap, String ingress, String results, WireCodec codec) {
    this.ingress = ingress;
    this.results = results;
    this.codec = codec;
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 0), new ByteArraySerializer(), new ByteArraySerializer());
    this.consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(results, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(results, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // pinned before any task goes out
    this.reader = Thread.ofPlatform().name("bench-results").daemon().start(this::read);
  }

  /** Where results go from now on. */
  void listener(Listener value) {
    this.listener = value;
  }

  /**
   * Publishes one task; {@code startNanos} is when it was meant to start (the latency's origin);
   * {@code measured} is handed back to the listener with its result.
   */
  void submit(String runId, byte[] json, long startNanos, boolean measured) {
    pending.put(runId, new Pending(startNanos, measured));
    producer.send(new ProducerRecord<>(ingress, runId.getBytes(StandardCharsets.UTF_8), json), (meta, error) -> {
      if (error != null) {
        pending.remove(runId);
        failed.incrementAndGet();
      }
    });
  }

  /** Runs submitted whose result has not arrived. */
  int pending() {
    return pending.size();
  }

  /** Runs that failed (a FAILED result, or the ingress publish failed). */
  long failed() {
    return failed.get();
  }

  /** Waits until nothing is pending or the timeout passes; true when nothing is pending. */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return pending.isEmpty();
  }

  /** Forgets runs still pending (counted as lost by the caller). */
  void forgetPending() {
    pending.clear();
  }

  /** Submits one run and waits for it: the graph is deployed and its consumers have their partitions. */
  boolean probe(String runId, byte[] json, Duration timeout) throws InterruptedException {
    submit(runId, json, System.nanoTime(), false);
    return awaitIdle(timeout);
  }

  /**
   * Warms the deployment's code paths without building a backlog: {@code concurrency} runs kept
   * outstanding (closed loop) for {@code seconds}, then waits until none is pending.
   */
  void closedLoopWarmup(String prefix, byte[] json, int concurrency, int seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong next = new AtomicLong();
    listener((runId, start, measured, ok, now) -> {
      if (now < end) {
        submit(prefix + "-" + next.getAndIncrement(), json, now, false);
      }
    });
    for (int i = 0; i < concurrency; i++) {
      submit(prefix + "-" + next.getAndIncrement(), json, System.nanoTime(), false);
    }
    while (System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    awaitIdle(Duration.ofSeconds(60));
    listener((runId, start, measured, ok, now) -> { });
    forgetPending();
  }

  private void read() {
    try {
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          if (record.key() == null) {
            continue;
          }
          String runId = new String(record.key(), StandardCharsets.UTF_8);
          Pending run = pending.remove(runId);
          if (run == null) {
            continue; // not ours, or a second result (counted by nobody: the mesh promises one)
          }
          boolean ok = codec.decode(results, record.value(), RunResult.class).getStatus() == RunStatus.SUCCEEDED;
          if (!ok) {
            failed.incrementAndGet();
          }
          try {
            listener.onResult(runId, run.startNanos(), run.measured(), ok, now);
          } catch (RuntimeException e) {
            listenerErrors.incrementAndGet(); // a harness bug must not stop the results thread
            if (listenerErrors.get() == 1) {
              e.printStackTrace();
            }
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
