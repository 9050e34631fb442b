package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of one node: a Kafka consumer that keeps many records in flight at once, each on its
 * own virtual thread, and publishes their outputs exactly once.
 *
 * <p>Design (docs/decisions.md, D-003): a consumer group, not a share group. Records of a
 * partition are processed out of order; each partition's safe offset is its lowest unfinished one
 * ({@link PartitionProgress}). The poll thread alone touches the consumer and the transactional
 * producer: it drains completed records, then in one transaction publishes their outputs and
 * commits the safe offsets with the group's metadata (KIP-447 fencing). A record is therefore
 * either fully published with its offset, or redelivered. The in-flight limit pauses fetching, so
 * memory stays bounded under any backlog. A failed transaction is aborted and every partition is
 * rewound to its committed offset: work is redone, and the handler's checkpoints make redoing it
 * cheap.
 *
 * <p>At-least-once (D-020, {@link WorkerConfig#transactional()} false): no transaction. A record's
 * handler sends its outputs as it returns (D-026), the record counts as done once the broker has
 * acknowledged them, and the safe offsets are committed every 100 ms without waiting; a crash in
 * between publishes those outputs again from the checkpoints. The workers of a runtime then publish
 * with one producer between them ({@link SharedProducer}, D-024).
 */
public final class Worker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  /** How long a poll thread waits for a completion while only some partitions are paused: new records of the others wait at most this. */
  private static final long PAUSED_FETCH_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * At-least-once: how often the safe offsets are committed. A crash redoes at most this much
   * more work, answered from the checkpoints; committing every pass cost a round trip per pass.
   */
  private static final long OFFSET_COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** How long {@link #outsidePoll} keeps retrying a call that wakeups interrupt. */
  private static final Duration WAKEUP_RETRY_PATIENCE = Duration.ofSeconds(30);
  /** {@link #outsidePoll}'s pause between retries after the first. */
  private static final long WAKEUP_RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Lifecycle: NEW -> RUNNING -> DRAINING -> STOPPED, or FAILED from RUNNING/DRAINING. */
  public enum State { NEW, RUNNING, DRAINING, STOPPED, FAILED }

  private final WorkerConfig config;
  private final RecordHandler handler;
  private final FailureHandler failureHandler;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  /** At-least-once in a runtime: the lease of the process's shared producer (D-024); null when the worker has its own. */
  private final SharedProducer.Lease lease;
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> waiting = new ArrayDeque<>();
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  /** Written by the poll thread; read by handlers too (at-least-once: whether a record's outputs are still wanted). */
  private final Map<TopicPartition, Integer> generations = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final WorkerListener listener;
  private volatile boolean polling;
  /** True while the poll thread waits for a completion itself (partitions paused, see {@link #pollWhilePaused}). */
  private volatile boolean idleWaiting;
  private final Semaphore completed = new Semaphore(0);
  /** Set by the first completion that wakes a poll, so the others of the same pass do not wake it again. */
  private final AtomicBoolean wakeupSent = new AtomicBoolean();
  private volatile boolean stopRequested;
  private volatile long drainDeadline = Long.MAX_VALUE;
  private Thread pollThread;
  private Throwable failure;
  /** At-least-once: records whose outputs the broker has acknowledged, for the poll thread to mark done. */
  private final ConcurrentLinkedQueue<Completion> acknowledged = new ConcurrentLinkedQueue<>();
  /** At-least-once: the first failed send since the last pass. */
  private final AtomicReference<KafkaException> sendFailure = new AtomicReference<>();
  /** At-least-once: an error other than Kafka's that a send met (the producer closed, a bug); it stops the worker. */
  private final AtomicReference<RuntimeException> sendError = new AtomicReference<>();
  private long lastOffsetCommit = System.nanoTime();
  private int completedSinceCommit;
  /** At-least-once: an asynchronous commit the broker refused for good (set inside a poll). */
  private Exception asyncCommitFailure;
  private int sentSinceCommit;

  private Worker(WorkerConfig config, RecordHandler handler, FailureHandler failureHandler, WorkerListener listener,
                 SharedProducer shared) {
    this.config = config;
    this.handler = handler;
    this.failureHandler = failureHandler;
    this.listener = listener;
    this.consumer = new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      // a worker with producer settings of its own keeps a producer of its own: the shared one has none
      boolean sharing = shared != null && !config.transactional() && config.producerOverrides().isEmpty();
      this.lease = sharing ? shared.lease() : null;
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    this.producer = lease != null ? lease.producer()
        : new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** A worker for the given settings, with a producer of its own; {@link #start()} begins consuming. */
  public static Worker create(WorkerConfig config, RecordHandler handler, FailureHandler failureHandler, WorkerListener listener) {
    return create(config, handler, failureHandler, listener, null);
  }

  /**
   * As {@link #create(WorkerConfig, RecordHandler, FailureHandler, WorkerListener)}; an
   * at-least-once worker publishes with a lease of {@code shared} (when not null) instead of a
   * producer of its own, unless its config has producer overrides, which the shared one lacks.
   */
  static Worker create(WorkerConfig config, RecordHandler handler, FailureHandler failureHandler, WorkerListener listener,
                       SharedProducer shared) {
    return new Worker(Objects.requireNonNull(config, "config"), Objects.requireNonNull(handler, "handler"),
        Objects.requireNonNull(failureHandler, "failureHandler"), Objects.requireNonNull(listener, "listener"), shared);
  }

  private static Map<String, Object> consumerConfig(WorkerConfig config) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.clientId() + "-consumer");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(500, config.maxInFlight())));
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    props.putAll(config.consumerOverrides());
    return props;
  }

  private static Map<String, Object> producerConfig(WorkerConfig config) {
    Map<String, Object> props = producerConfig(config.bootstrapServers(), config.clientId() + "-producer");
    if (config.transactional()) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.groupId() + "-" + UUID.randomUUID());
    }
    props.putAll(config.producerOverrides());
    return props;
  }

  /** The settings of a worker's producer, without a transactional id or overrides: also those of a {@link SharedProducer}. */
  static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // Consecutive transactions of one producer meet CONCURRENT_TRANSACTIONS until the previous
    // one's markers are written (transactions v2); the default 100 ms backoff (growing to 1 s)
    // then dominates hop latency. Retrying after 5 ms, capped at 50 ms, cut the worker's p50
    // 2.4-4x in BENCHMARKS.md (worker diagnostic). Only retriable requests are affected.
    props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
    props.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
    return props;
  }

  /** Subscribes and starts the poll thread; returns at once. */
  public Worker start() {
    if (!state.compareAndSet(State.NEW, State.RUNNING)) {
      throw new IllegalStateException("worker " + config.clientId() + " is " + state.get() + ", not NEW");
    }
    if (config.transactional()) {
      producer.initTransactions();
    }
    consumer.subscribe(config.topics(), new Rebalance());
    pollThread = Thread.ofPlatform().name("mesh-worker-" + config.clientId()).start(this::loop);
    return this;
  }

  private void loop() {
    try {
      while (!stopRequested || (inFlight.get() > 0 && !graceOver())) {
        commitCompleted(false);
        dispatchWaiting();
        if (stopRequested) {
          pauseAll();
        } else {
          applyBackPressure();
        }
        for (ConsumerRecord<byte[], byte[]> record : poll()) {
          accept(record);
        }
        dispatchWaiting();
      }
      commitCompleted(true);
      state.set(State.STOPPED);
    } catch (RuntimeException | Error e) {
      fail(e); // fenced, unauthorised, or a bug: the process supervisor restarts the replica
    } finally {
      closeClients();
      stopped.countDown();
    }
  }

  private boolean graceOver() {
    return System.nanoTime() > drainDeadline;
  }

  private ConsumerRecords<byte[], byte[]> poll() {
    if (!consumer.paused().isEmpty()) {
      return pollWhilePaused();
    }
    wakeupSent.set(false);
    polling = true;
    try {
      // a completion that arrived before polling=true would not wake us: check again here
      return consumer.poll(completions.isEmpty() ? config.pollTimeout() : Duration.ZERO);
    } catch (WakeupException e) {
      return ConsumerRecords.empty();
    } finally {
      polling = false;
    }
  }

  /**
   * With a partition paused, the consumer (group protocol "consumer", Kafka 4.3) spins inside a
   * blocking poll until its timeout: it puts the paused partitions' buffered fetches back and that
   * wakes its own wait again (KAFKA-21084). Back-pressure pauses partitions exactly when the worker
   * is busiest, so that spin took a core away from the handlers (found profiling the in-flight
   * benchmark). So: one non-blocking poll (fetches of the other partitions, rebalance callbacks),
   * then wait for a completion here; briefly when some partitions still fetch, up to the poll
   * timeout when all are paused.
   */
  private ConsumerRecords<byte[], byte[]> pollWhilePaused() {
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(Duration.ZERO);
    } catch (WakeupException e) {
      records = ConsumerRecords.empty();
    }
    if (records.isEmpty()) {
      boolean allPaused = consumer.paused().containsAll(consumer.assignment());
      idleWaiting = true;
      try {
        if (completions.isEmpty()) { // checked after idleWaiting is set: no completion is missed
          completed.tryAcquire(allPaused ? config.pollTimeout().toNanos() : PAUSED_FETCH_WAIT_NANOS, TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        idleWaiting = false;
        completed.drainPermits();
      }
    }
    return records;
  }

  /**
   * A fetched record counts as started at once, so no commit moves past it before it is handled. A
   * record the partition's committed metadata marks as done was published before a crash or
   * rebalance: it is skipped (counted as completed) instead of handled again.
   */
  private void accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    PartitionProgress partitionProgress = progress.computeIfAbsent(partition, p -> restore(p, record.offset()));
    if (partitionProgress.isDone(record.offset())) {
      listener.recordSkipped(partition, record.offset());
      return;
    }
    partitionProgress.started(record.offset());
    waiting.add(record);
  }

  /** The partition's committed progress, read once when the first record of a new assignment arrives. */
  private PartitionProgress restore(TopicPartition partition, long firstOffset) {
    OffsetAndMetadata committed = outsidePoll(() -> consumer.committed(Set.of(partition), Duration.ofSeconds(30))).get(partition);
    return committed == null ? PartitionProgress.at(firstOffset) : PartitionProgress.restore(committed.offset(), committed.metadata());
  }

  /**
   * A blocking consumer call made between polls. A handler that finishes wakes the poll
   * ({@link #dispatch}); on a busy machine its virtual thread can be descheduled between seeing the
   * poll in progress and calling {@code wakeup()}, and the wakeup then lands on the next blocking
   * call instead. At most one is sent per poll, so the call is retried: at once, then every
   * millisecond. Not a fixed number of times: the consumer (group protocol "consumer",
   * kafka-clients 4.3.1) fails a retried {@code committed()} again at once, with the same
   * wakeup, until the request the woken call had sent is answered (71 failures in a row within 30
   * ms with an idle broker, over 100 under load, where a bound of 100 stopped the replica;
   * {@code WorkerIT}).
   */
  private <T> T outsidePoll(Supplier<T> call) {
    return retryingWakeups(call, WAKEUP_RETRY_PATIENCE, "worker " + config.clientId());
  }

  /**
   * Calls {@code call} until it returns without a {@link WakeupException}, the second and later
   * retries a millisecond apart; an {@link IllegalStateException} naming {@code who} when wakeups
   * still interrupt it after {@code patience}.
   */
  static <T> T retryingWakeups(Supplier<T> call, Duration patience, String who) {
    long deadline = System.nanoTime() + patience.toNanos();
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (WakeupException e) {
        if (System.nanoTime() - deadline >= 0) {
          throw new IllegalStateException(who + ": a consumer call between polls was woken " + attempt + " times in "
              + patience.toMillis() + " ms", e);
        }
        if (attempt > 1) {
          LockSupport.parkNanos(WAKEUP_RETRY_PAUSE_NANOS);
        }
      }
    }
  }

  /** Hands waiting records to virtual threads while under the in-flight limit. */
  private void dispatchWaiting() {
    while (!waiting.isEmpty() && inFlight.get() < config.maxInFlight() && !stopRequested) {
      dispatch(waiting.poll());
    }
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    int generation = generations.getOrDefault(partition, 0);
    inFlight.incrementAndGet();
    listener.recordStarted(record);
    Thread.ofVirtual().name("mesh-" + config.clientId() + "-" + partition + "@" + record.offset()).start(() -> {
      long began = System.nanoTime();
      Outcome outcome;
      try {
        outcome = handler.handle(record);
      } catch (Throwable t) {
        outcome = fenced(record, t);
      }
      Completion completion = new Completion(partition, record.offset(), generation, outcome, System.nanoTime() - began, false);
      if (!config.transactional() && !outcome.redeliver() && generation == generations.getOrDefault(partition, 0)) {
        // at-least-once: the handler sends its record's outputs itself, so the poll thread need
        // not be woken for them (D-026)
        send(completion);
        completion = completion.sent();
      }
      completions.add(completion);
      if (idleWaiting) {
        completed.release(); // the poll thread waits for room (partitions paused): this completion made some
      } else if (!completion.outputsSent() && polling && wakeupSent.compareAndSet(false, true)) {
        // once per poll: the pass that follows takes every completion queued by then. A completion
        // whose outputs are out needs no pass at once: its acknowledgement is taken at the next
        // fetch or poll timeout, which the periodic commit waits for anyway
        consumer.wakeup();
      }
    });
  }

  private Outcome fenced(ConsumerRecord<byte[], byte[]> record, Throwable t) {
    listener.handlerFailed(record, t);
    try {
      return failureHandler.onFailure(record, t);
    } catch (Throwable second) {
      LOG.error("worker {}: failure handler failed for {}-{}@{}; the record will be redelivered: {}",
          config.clientId(), record.topic(), record.partition(), record.offset(), second.toString(), second);
      return Outcome.redeliverLater(); // nothing accepted is dropped

    }
  }

  /**
   * One commit pass over the records handled since the last. {@code force}: at-least-once commits
   * offsets now rather than at its interval (the partitions are going, or the worker stops).
   */
  private void commitCompleted(boolean force) {
    if (!config.transactional()) {
      publishCompleted(force);
      return;
    }
    List<Completion> batch = new ArrayList<>();
    boolean taken = takeCompletions(completion -> {
      progress.get(completion.partition()).completed(completion.offset());
      batch.add(completion);
    });
    if (!taken) {
      return; // rewound; no transaction was begun in this pass
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = safeOffsets();
    if (batch.isEmpty() && offsets.isEmpty()) {
      return;
    }
    try {
      int sent = commitInTransaction(batch, offsets);
      offsets.forEach((partition, offset) -> progress.get(partition).markCommitted(offset.offset(), offset.metadata()));
      listener.committed(batch.size(), sent);
      for (Completion completion : batch) {
        listener.recordCompleted(completion.partition(), completion.offset(), completion.nanos());
        runAfterCommit(completion.outcome());
      }
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException | AuthorizationException e) {
      throw e;
    } catch (KafkaException e) {
      LOG.warn("worker {}: commit pass failed ({}); rewinding to the committed offsets", config.clientId(), e.toString());
      abortAndRewind();
    }
  }

  /**
   * Takes every queued completion: one of the partition's current attempt goes to {@code accept},
   * one of a revoked or rewound partition is discarded (another attempt owns that record now).
   * Returns false when a record could not even be dead-lettered: then nothing of this pass counts,
   * and every partition is rewound to its committed offset (what finished is redone from its
   * checkpoints).
   */
  private boolean takeCompletions(Consumer<Completion> accept) {
    boolean redeliver = false;
    for (Completion completion; (completion = completions.poll()) != null; ) {
      inFlight.decrementAndGet();
      if (!isCurrent(completion)) {
        listener.recordDiscarded(completion.partition(), completion.offset());
      } else if (completion.outcome().redeliver()) {
        redeliver = true;
      } else {
        accept.accept(completion);
      }
    }
    if (redeliver) {
      drainInFlightAsDiscarded();
      rewind();
    }
    return !redeliver;
  }

  /** Whether a completion belongs to its partition's current attempt (not revoked or rewound since it began). */
  private boolean isCurrent(Completion completion) {
    return completion.generation() == generations.getOrDefault(completion.partition(), 0)
        && progress.containsKey(completion.partition());
  }

  /** The offset and metadata to commit for every partition whose progress changed since its last commit. */
  private Map<TopicPartition, OffsetAndMetadata> safeOffsets() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    progress.forEach((partition, p) -> {
      if (p.hasProgress()) {
        offsets.put(partition, new OffsetAndMetadata(p.safeOffset(), p.metadata()));
      }
    });
    return offsets;
  }

  /** Exactly-once: the outputs and the offsets in one transaction. Returns the records sent. */
  private int commitInTransaction(List<Completion> batch, Map<TopicPartition, OffsetAndMetadata> offsets) {
    producer.beginTransaction();
    int sent = 0;
    for (Completion completion : batch) {
      for (ProducerRecord<byte[], byte[]> out : completion.outcome().records()) {
        producer.send(out);
        sent++;
      }
    }
    if (!offsets.isEmpty()) {
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    }
    producer.commitTransaction();
    return sent;
  }

  /**
   * The at-least-once pass (D-020): each completed record's outputs were sent by its handler's
   * thread as it finished (D-026), and the record counts as done for its partition only when the
   * broker has acknowledged all of them; the safe offsets are committed every
   * {@link #OFFSET_COMMIT_INTERVAL_NANOS} (and when forced), so the poll thread never waits for a
   * produce and rarely for a commit. A failed send rewinds every partition to its committed offset,
   * as an aborted transaction does; acknowledgements of the abandoned attempt arrive with an old
   * generation and are ignored.
   */
  private void publishCompleted(boolean force) {
    if (!takeCompletions(this::publish)) {
      return;
    }
    if (force) {
      producer.flush(); // every acknowledgement in before the final commit of these partitions
    }
    for (Completion done; (done = acknowledged.poll()) != null; ) {
      if (isCurrent(done)) {
        progress.get(done.partition()).completed(done.offset());
        listener.recordCompleted(done.partition(), done.offset(), done.nanos());
        completedSinceCommit++;
        runAfterCommit(done.outcome());
      }
    }
    RuntimeException broken = sendError.get();
    if (broken != null) {
      throw broken;
    }
    KafkaException failed = sendFailure.getAndSet(null);
    if (failed != null) {
      if (failed instanceof AuthorizationException || failed instanceof OutOfOrderSequenceException) {
        throw failed;
      }
      LOG.warn("worker {}: an output could not be published ({}); rewinding to the committed offsets", config.clientId(), failed.toString());
      rewind();
      return;
    }
    if (asyncCommitFailure instanceof AuthorizationException denied) {
      throw denied;
    }
    if (force || System.nanoTime() - lastOffsetCommit >= OFFSET_COMMIT_INTERVAL_NANOS) {
      commitOffsets(force);
    }
  }

  /**
   * Takes a completed record of the current attempt at the poll thread. Its handler has sent its
   * outputs (a handler skips that only for a partition that moved on, whose completions are
   * discarded before this); sending them here otherwise keeps a record from ever being left unsent.
   */
  private void publish(Completion completion) {
    if (!completion.outputsSent()) {
      send(completion);
    }
    sentSinceCommit += completion.outcome().records().size();
  }

  /** Sends a completed record's outputs; the last acknowledgement queues it as done. Any thread. */
  private void send(Completion completion) {
    List<ProducerRecord<byte[], byte[]>> outputs = completion.outcome().records();
    if (outputs.isEmpty()) {
      acknowledged.add(completion);
      return;
    }
    AtomicInteger unacknowledged = new AtomicInteger(outputs.size());
    for (ProducerRecord<byte[], byte[]> out : outputs) {
      try {
        producer.send(out, (metadata, error) -> {
          if (error != null) {
            sendFailure.compareAndSet(null, error instanceof KafkaException k ? k : new KafkaException(error));
          } else if (unacknowledged.decrementAndGet() == 0) {
            acknowledged.add(completion);
          }
        });
      } catch (KafkaException e) { // e.g. no buffer space within max.block.ms: handled like a failed send
        sendFailure.compareAndSet(null, e);
        return;
      } catch (RuntimeException e) { // thrown at the poll thread's next pass, not lost with a handler thread
        sendError.compareAndSet(null, e);
        return;
      }
    }
  }

  /**
   * Commits the safe offsets: asynchronously at the interval (the poll thread does not wait; the
   * callback, run inside a later poll, records what the broker took), synchronously when forced
   * (the partitions are going or the worker stops, so the commit must be in before that). A failed
   * asynchronous commit is left to the next one, which carries the same or later offsets.
   */
  private void commitOffsets(boolean force) {
    lastOffsetCommit = System.nanoTime();
    Map<TopicPartition, OffsetAndMetadata> offsets = safeOffsets();
    if (offsets.isEmpty()) {
      return;
    }
    Map<TopicPartition, PartitionProgress> committing = new HashMap<>();
    offsets.keySet().forEach(partition -> committing.put(partition, progress.get(partition)));
    listener.committed(completedSinceCommit, sentSinceCommit);
    completedSinceCommit = 0;
    sentSinceCommit = 0;
    if (!force) {
      consumer.commitAsync(offsets, (committed, error) -> {
        if (error == null) {
          markCommitted(committed, committing);
        } else if (error instanceof AuthorizationException) {
          asyncCommitFailure = error;
        } else {
          LOG.debug("worker {}: offset commit failed ({}); the next one carries these offsets", config.clientId(), error.toString());
        }
      });
      return;
    }
    try {
      outsidePoll(() -> {
        consumer.commitSync(offsets);
        return null;
      });
      markCommitted(offsets, committing);
    } catch (AuthorizationException e) {
      throw e;
    } catch (KafkaException e) {
      // e.g. the group rebalanced: nothing is lost, the next owner starts from the last commit
      LOG.warn("worker {}: offset commit failed ({}); rewinding to the committed offsets", config.clientId(), e.toString());
      rewind();
    }
  }

  /** Notes a commit in each partition's progress, unless the partition was rewound or reassigned since. */
  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets, Map<TopicPartition, PartitionProgress> committing) {
    offsets.forEach((partition, offset) -> {
      PartitionProgress now = progress.get(partition);
      if (now != null && now == committing.get(partition)) {
        now.markCommitted(offset.offset(), offset.metadata());
      }
    });
  }

  private void runAfterCommit(Outcome outcome) {
    Thread.ofVirtual().start(() -> {
      try {
        outcome.afterCommit().run();
      } catch (RuntimeException e) {
        LOG.warn("worker {}: after-commit action failed: {}", config.clientId(), e.toString(), e);
      }
    });
  }

  /** Completions of this pass are dropped with the rewind; their records come again. */
  private void drainInFlightAsDiscarded() {
    for (Completion completion; (completion = completions.poll()) != null; ) {
      inFlight.decrementAndGet();
      listener.recordDiscarded(completion.partition(), completion.offset());
    }
  }

  private void abortAndRewind() {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      // Kafka refuses an abort only when the producer cannot go on (a fatal error it reported as
      // something else, e.g. fenced during EndTxn, or a state it lost track of): retrying would
      // loop forever, so the worker stops and its runtime replaces it with a fresh producer
      throw new IllegalStateException("worker " + config.clientId() + ": the failed transaction could not be aborted: " + e, e);
    }
    rewind();
  }

  /** Seeks every partition back to its committed offset and forgets in-flight work (it comes again). */
  private void rewind() {
    waiting.clear();
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = outsidePoll(() -> consumer.committed(assigned));
    for (TopicPartition partition : assigned) {
      OffsetAndMetadata offset = committed.get(partition);
      long position = offset == null ? 0 : offset.offset();
      if (offset == null) {
        consumer.seekToBeginning(List.of(partition));
      } else {
        consumer.seek(partition, position);
      }
      generations.merge(partition, 1, Integer::sum);
      progress.remove(partition); // restored from the committed offset and metadata at the next fetch
    }
  }

  private void applyBackPressure() {
    Set<TopicPartition> assignment = consumer.assignment();
    if (inFlight.get() + waiting.size() >= config.maxInFlight()) {
      consumer.pause(assignment);
      return;
    }
    List<TopicPartition> tooFarAhead = new ArrayList<>();
    List<TopicPartition> free = new ArrayList<>();
    for (TopicPartition partition : assignment) {
      PartitionProgress p = progress.get(partition);
      (p != null && p.gap() >= PartitionProgress.MAX_GAP ? tooFarAhead : free).add(partition);
    }
    consumer.pause(tooFarAhead);
    List<TopicPartition> resumable = free.stream().filter(consumer.paused()::contains).toList();
    if (!resumable.isEmpty()) {
      consumer.resume(resumable);
    }
  }

  private void pauseAll() {
    consumer.pause(consumer.assignment());
  }

  private void fail(Throwable e) {
    failure = e;
    if (lease != null) {
      lease.retire(); // the replacement gets a fresh producer, in case this error was the producer's
    }
    state.set(State.FAILED);
    LOG.error("worker {}: stopped by a fatal error: {}", config.clientId(), e.toString(), e);
  }

  private void closeClients() {
    try {
      consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.debug("worker {}: consumer close: {}", config.clientId(), e.toString());
    }
    if (lease != null) {
      lease.release(); // the shared producer stays open for the runtime's other workers
      return;
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.debug("worker {}: producer close: {}", config.clientId(), e.toString());
    }
  }

  /** The worker's lifecycle state. */
  public State state() {
    return state.get();
  }

  /** Records being handled right now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The id of the thread that polls and commits (for tests that measure it). */
  long pollThreadId() {
    return pollThread.threadId();
  }

  /** The error that stopped the worker, if it failed. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Graceful stop: fetch nothing more, let in-flight records finish for up to {@code grace} while
   * committing them, then commit and close. Records still unfinished are simply not committed:
   * they are redelivered to whichever replica owns their partition next.
   */
  public void stop(Duration grace) {
    if (state.compareAndSet(State.RUNNING, State.DRAINING)) {
      drainDeadline = System.nanoTime() + grace.toNanos();
      stopRequested = true;
      consumer.wakeup();
      completed.release();
    } else if (state.get() == State.NEW) {
      state.set(State.STOPPED);
      closeClients();
      stopped.countDown();
      return;
    }
    try {
      if (!stopped.await(grace.toMillis() + 15_000, TimeUnit.MILLISECONDS)) {
        LOG.warn("worker {}: did not stop within {} ms", config.clientId(), grace.toMillis() + 15_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(config.shutdownGrace());
  }

  /** Commits completed work of revoked partitions before they go; forgets their in-flight records. */
  private final class Rebalance implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (state.get() == State.FAILED) {
        return;
      }
      commitCompleted(true);
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      // progress starts at the first record fetched; no consumer call here (a wakeup could break it)
      partitions.forEach(progress::remove);
      listener.assigned(new HashSet<>(partitions));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      waiting.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
      for (TopicPartition partition : partitions) {
        progress.remove(partition);
        generations.merge(partition, 1, Integer::sum);
      }
    }
  }

  /** A handled record; {@code outputsSent}: its handler thread has sent its outputs (at-least-once). */
  private record Completion(TopicPartition partition, long offset, int generation, Outcome outcome, long nanos,
                            boolean outputsSent) {

    Completion sent() {
      return new Completion(partition, offset, generation, outcome, nanos, true);
    }
  }
}
