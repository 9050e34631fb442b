package io.agentmesh.gateway;

import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the results or the events topics of every graph this gateway serves, on one thread of its
 * own, and hands what it reads to the sync waits ({@link ResultWaiters}) and Redis (results, for
 * later readers), or to the event streams ({@link EventFeed}). A gateway runs one of each: results
 * answer sync calls, so their reader is not kept waiting behind the events, of which there are
 * several per run (BENCHMARKS.md Run H).
 *
 * <p>Why every instance reads everything: a run's result lands on whichever partition its key
 * hashes to, and any instance may hold the sync call. Each instance therefore assigns itself all
 * partitions (no consumer group, no commits), starting at the end as it starts, and completes the
 * waits it holds; the others ignore the result. No sticky routing, any number of instances.
 * Results and events are read {@code read_committed}: only what the workers' transactions commit.
 * New partitions are picked up every 30 s and read from their beginning.
 */
final class RunBus implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RunBus.class);
  private static final Duration REFRESH_EVERY = Duration.ofSeconds(30);

  /** Which topics a reader reads. */
  enum Reads {
    RESULTS, EVENTS
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final WireCodec codec;
  /** The results topics or the events topics of the graphs, as {@link #reads} says. */
  private final List<String> topics;
  private final ResultWaiters waiters;
  private final EventFeed feed;
  private final GatewayRedis redis;
  private final GatewayMetrics metrics;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong lastPoll = new AtomicLong(System.nanoTime());
  private final Reads reads;
  private volatile boolean running = true;

  RunBus(String bootstrap, WireCodec codec, Collection<TopicNames> graphs, Reads reads, ResultWaiters waiters, EventFeed feed,
         GatewayRedis redis, GatewayMetrics metrics) {
    this.reads = reads;
    this.codec = codec;
    this.waiters = waiters;
    this.feed = feed;
    this.redis = redis;
    this.metrics = metrics;
    this.topics = graphs.stream().map(t -> reads == Reads.RESULTS ? t.results() : t.events()).distinct().toList();
    String name = "mesh-gateway-" + reads.name().toLowerCase(Locale.ROOT);
    this.consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10,
        ConsumerConfig.CLIENT_ID_CONFIG, name),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // pin "the end" now, before any request is taken
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
  }

  RunBus start() {
    thread.start();
    return this;
  }

  /** Whether the reader thread is polling (it polls at least every 100 ms when healthy). */
  boolean healthy() {
    return running && thread.isAlive() && System.nanoTime() - lastPoll.get() < TimeUnit.SECONDS.toNanos(10);
  }

  private List<TopicPartition> partitions() {
    List<TopicPartition> out = new ArrayList<>();
    for (String topic : topics) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist: deploy the graph first (mesh run / mesh deploy)");
      }
      infos.forEach(p -> out.add(new TopicPartition(topic, p.partition())));
    }
    return out;
  }

  private void loop() {
    long nextRefresh = System.nanoTime() + REFRESH_EVERY.toNanos();
    try {
      while (running) {
        lastPoll.set(System.nanoTime());
        ResultWaiters.Completions completions = reads == Reads.RESULTS ? waiters.completions() : null;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          try {
            if (completions != null) {
              onResult(record, completions);
            } else {
              onEvent(record);
            }
          } catch (RuntimeException e) { // an undecodable record must not stop the reader
            metrics.unreadable(record.topic());
            LOG.warn("cannot read {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
          }
        }
        if (completions != null) {
          completions.dispatch();
          redis.flushResults();
        }
        if (System.nanoTime() > nextRefresh) {
          nextRefresh = System.nanoTime() + REFRESH_EVERY.toNanos();
          refreshPartitions();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("the results reader stopped: sync calls and event streams will time out", e);
    } finally {
      running = false;
      consumer.close(Duration.ofSeconds(2));
      stopped.countDown();
    }
  }

  private void onResult(ConsumerRecord<byte[], byte[]> record, ResultWaiters.Completions completions) {
    RunResult result = codec.decode(record.topic(), record.value(), RunResult.class);
    long now = System.currentTimeMillis();
    metrics.resultLag(now - result.getFinishedAt().toEpochMilli());
    metrics.resultReadLag(now - record.timestamp());
    String json = RunJson.result(result).toString();
    redis.storeResult(result.getRunId(), json).exceptionally(e -> {
      LOG.warn("cannot keep the result of run {} in Redis: {}", result.getRunId(), e.toString());
      return null;
    });
    completions.add(result.getRunId(), Buffer.buffer(json));
  }

  private void onEvent(ConsumerRecord<byte[], byte[]> record) {
    RunEvent event = codec.decode(record.topic(), record.value(), RunEvent.class);
    RunEventType type = event.getType();
    feed.append(event.getRunId(), type.name(), () -> RunJson.event(event).toString(), EventHistory.terminal(type));
  }

  private void refreshPartitions() {
    try {
      Set<TopicPartition> now = new HashSet<>(partitions());
      Set<TopicPartition> added = new HashSet<>(now);
      added.removeAll(consumer.assignment());
      if (!added.isEmpty()) {
        consumer.assign(now);
        consumer.seekToBeginning(added);
        LOG.info("reading {} new partitions: {}", added.size(), added);
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot refresh partitions: {}", e.toString());
    }
  }

  @Override
  public void close() {
    running = false;
    if (thread.getState() == Thread.State.NEW) {
      consumer.close(Duration.ZERO);
      return;
    }
    consumer.wakeup();
    try {
      if (thread.isAlive() && !stopped.await(5, TimeUnit.SECONDS)) {
        LOG.warn("the results reader did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
