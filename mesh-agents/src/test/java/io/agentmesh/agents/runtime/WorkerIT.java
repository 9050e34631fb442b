package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@MeshInfraTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerIT {

  private final SharedInfra infra;

  WorkerIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void publishesEveryOutputExactlyOnceWhenRecordsFinishOutOfOrder() throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 3, in, out);
    Topics.produce(infra.kafkaBootstrap(), in, 2_000);

    RecordHandler upper = record -> {
      Thread.sleep(ThreadLocalRandom.current().nextInt(20)); // finish in random order
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), text(record).toUpperCase().getBytes(StandardCharsets.UTF_8))));
    };
    try (Worker worker = worker(in, 300, upper).start()) {
      List<ConsumerRecord<String, String>> outputs = Topics.readCommitted(infra.kafkaBootstrap(), out, 2_000, Duration.ofSeconds(60));
      assertThat(outputs).hasSize(2_000);
      assertThat(outputs.stream().map(ConsumerRecord::value).distinct()).hasSize(2_000).contains("TASK-0", "TASK-1999");
    }
  }

  @Test
  void atLeastOncePublishesEveryOutputAndCommitsItsInputsWithoutATransaction() throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 3, in, out);
    Topics.produce(infra.kafkaBootstrap(), in, 600);
    String group = infra.uniqueName("group");

    RecordHandler upper = record -> {
      Thread.sleep(ThreadLocalRandom.current().nextInt(20)); // finish in random order
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), text(record).toUpperCase().getBytes(StandardCharsets.UTF_8))));
    };
    try (Worker worker = Worker.create(config(group, in, 200).withTransactional(false), upper, deadLetterTo(out),
        WorkerListener.NONE).start();
         Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      List<ConsumerRecord<String, String>> outputs = Topics.readCommitted(infra.kafkaBootstrap(), out, 600, Duration.ofSeconds(60));
      assertThat(outputs.stream().map(ConsumerRecord::value).distinct()).hasSize(600).contains("TASK-0", "TASK-599");
      // every input committed once its output was acknowledged: each partition's offset is past its last input
      Map<TopicPartition, Long> end = new HashMap<>();
      Topics.readCommitted(infra.kafkaBootstrap(), in, 600, Duration.ofSeconds(30)).forEach(record ->
          end.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max));
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get()).hasSize(3).allSatisfy((partition, committed) ->
              assertThat(committed.offset()).as("committed offset of " + partition).isEqualTo(end.get(partition))));
      assertThat(admin.listTransactions().all().get()).as("transactions of this worker's group")
          .noneMatch(t -> t.transactionalId().startsWith(group));
    }
  }

  @Test
  void atLeastOnceSendsARecordsOutputsFromItsHandlerWhileThePollThreadIsBusy() throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 1, in, out);
    Topics.produce(infra.kafkaBootstrap(), in, 2);
    RecordHandler upper = record ->
        Outcome.of(List.of(new ProducerRecord<>(out, record.key(), text(record).toUpperCase().getBytes(StandardCharsets.UTF_8))));
    // the poll thread dispatches the second record only after the first one's handler has started;
    // it then waits, inside its own dispatch, until the first one's output is on the topic
    CountDownLatch firstOutputSeen = new CountDownLatch(1);
    WorkerListener holdsThePollThread = new WorkerListener() {
      @Override
      public void recordStarted(ConsumerRecord<byte[], byte[]> record) {
        if (record.offset() == 1 && !Topics.readCommitted(infra.kafkaBootstrap(), out, 1, Duration.ofSeconds(15)).isEmpty()) {
          firstOutputSeen.countDown();
        }
      }
    };
    try (Worker worker = Worker.create(config(infra.uniqueName("group"), in, 10).withTransactional(false), upper,
        deadLetterTo(out), holdsThePollThread).start()) {
      assertThat(firstOutputSeen.await(30, TimeUnit.SECONDS)).as("first output published while the poll thread was held").isTrue();
      assertThat(Topics.readCommitted(infra.kafkaBootstrap(), out, 2, Duration.ofSeconds(30))).extracting(ConsumerRecord::value)
          .containsExactlyInAnyOrder("TASK-0", "TASK-1");
    }
  }

  @Test
  void keepsAThousandRecordsInFlightOnOnePartition() throws Exception {
    String in = infra.uniqueName("in");
    Topics.create(infra.kafkaBootstrap(), 1, in);
    Topics.produce(infra.kafkaBootstrap(), in, 1_000);
    CountDownLatch allStarted = new CountDownLatch(1_000);
    AtomicInteger finished = new AtomicInteger();

    RecordHandler waitForAll = record -> {
      allStarted.countDown();
      // each handler blocks until all 1,000 run at once: only possible without head-of-line blocking
      boolean together = allStarted.await(60, TimeUnit.SECONDS);
      finished.incrementAndGet();
      return together ? Outcome.none() : Outcome.none();
    };
    try (Worker worker = worker(in, 1_000, waitForAll).start()) {
      assertThat(allStarted.await(60, TimeUnit.SECONDS)).as("1,000 handlers in flight together").isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> finished.get() == 1_000);
    }
  }

  @Test
  void neverRunsMoreThanTheInFlightLimit() throws Exception {
    String in = infra.uniqueName("in");
    Topics.create(infra.kafkaBootstrap(), 2, in);
    Topics.produce(infra.kafkaBootstrap(), in, 300);
    AtomicInteger current = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();

    RecordHandler slow = record -> {
      peak.accumulateAndGet(current.incrementAndGet(), Math::max);
      Thread.sleep(5);
      current.decrementAndGet();
      done.incrementAndGet();
      return Outcome.none();
    };
    try (Worker worker = worker(in, 10, slow).start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> done.get() == 300);
    }
    assertThat(peak.get()).isBetween(2, 10);
  }

  @Test
  void aWorkerHeldAtItsInFlightLimitWaitsWithoutBurningCpu() throws Exception {
    String in = infra.uniqueName("in");
    Topics.create(infra.kafkaBootstrap(), 1, in);
    Topics.produce(infra.kafkaBootstrap(), in, 50);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    RecordHandler held = record -> {
      started.incrementAndGet();
      release.await(60, TimeUnit.SECONDS);
      return Outcome.none();
    };
    try (Worker worker = worker(in, 2, held).start()) {
      // two records in flight: the partition is paused with the other records fetched and buffered
      await().atMost(Duration.ofSeconds(30)).until(() -> started.get() == 2);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long before = threads.getThreadCpuTime(worker.pollThreadId());
      Thread.sleep(1_500); // a measurement window, not a wait for an event
      long used = threads.getThreadCpuTime(worker.pollThreadId()) - before;
      assertThat(TimeUnit.NANOSECONDS.toMillis(used)).as("poll thread CPU ms over a 1.5 s wait").isLessThan(300);
      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> started.get() == 50);
    } finally {
      release.countDown();
    }
  }

  @ParameterizedTest(name = "transactional {0}")
  @ValueSource(booleans = {true, false})
  void redeliversWhatACrashedReplicaLeftUnfinished(boolean transactional) throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 2, in, out);
    Topics.produce(infra.kafkaBootstrap(), in, 200);
    String group = infra.uniqueName("group");
    AtomicInteger firstHandled = new AtomicInteger();

    // The first replica completes half the records, then hangs on the rest and is stopped with no grace.
    RecordHandler hangsAfterHundred = record -> {
      if (firstHandled.incrementAndGet() > 100) {
        Thread.sleep(Long.MAX_VALUE);
      }
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value())));
    };
    Worker first = Worker.create(config(group, in, 500).withTransactional(transactional), hangsAfterHundred,
        deadLetterTo(out), WorkerListener.NONE).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> firstHandled.get() > 150);
    first.stop(Duration.ZERO);

    RecordHandler copy = record -> Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value())));
    try (Worker second = Worker.create(config(group, in, 500).withTransactional(transactional), copy,
        deadLetterTo(out), WorkerListener.NONE).start()) {
      List<ConsumerRecord<String, String>> outputs = Topics.readCommitted(infra.kafkaBootstrap(), out, 200, Duration.ofSeconds(60));
      Map<String, Long> perTask = outputs.stream().collect(Collectors.groupingBy(ConsumerRecord::value, Collectors.counting()));
      assertThat(perTask).hasSize(200);
      if (transactional) { // at-least-once may publish a record's output twice
        assertThat(perTask.values()).as("outputs per task").allMatch(n -> n == 1);
      }
    }
  }

  @ParameterizedTest(name = "transactional {0}")
  @ValueSource(booleans = {true, false})
  void doesNotRepublishRecordsFinishedAboveAnUnfinishedOneAfterAStop(boolean transactional) throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 1, in, out);
    Topics.produce(infra.kafkaBootstrap(), in, 50);
    String group = infra.uniqueName("group");

    // the first record hangs; the 49 above it finish and are published while it is still open
    RecordHandler firstHangs = record -> {
      if (record.offset() == 0) {
        Thread.sleep(Long.MAX_VALUE);
      }
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value())));
    };
    Worker first = Worker.create(config(group, in, 100).withTransactional(transactional), firstHangs, deadLetterTo(out), WorkerListener.NONE).start();
    assertThat(Topics.readCommitted(infra.kafkaBootstrap(), out, 49, Duration.ofSeconds(30))).hasSize(49);
    first.stop(Duration.ZERO);

    AtomicInteger handled = new AtomicInteger();
    RecordHandler copy = record -> {
      handled.incrementAndGet();
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value())));
    };
    try (Worker second = Worker.create(config(group, in, 100).withTransactional(transactional), copy, deadLetterTo(out), WorkerListener.NONE).start()) {
      List<ConsumerRecord<String, String>> outputs = Topics.readCommitted(infra.kafkaBootstrap(), out, 50, Duration.ofSeconds(30));
      assertThat(outputs).extracting(ConsumerRecord::value).hasSize(50).doesNotHaveDuplicates();
      assertThat(handled.get()).as("records the second replica had to handle").isEqualTo(1);
    }
  }

  @Test
  void redeliversInsteadOfDroppingWhenEvenTheFailureHandlerFails() throws Exception {
    String in = infra.uniqueName("in");
    String dlq = infra.uniqueName("dlq");
    Topics.create(infra.kafkaBootstrap(), 1, in, dlq);
    Topics.produce(infra.kafkaBootstrap(), in, 5);
    RecordHandler broken = record -> {
      throw new IllegalStateException("agent bug on " + text(record));
    };
    java.util.concurrent.atomic.AtomicBoolean registryDown = new java.util.concurrent.atomic.AtomicBoolean(true);
    FailureHandler flaky = (record, error) -> {
      if (registryDown.getAndSet(false)) {
        throw new IllegalStateException("cannot encode the dead letter: registry unreachable");
      }
      return deadLetterTo(dlq).onFailure(record, error);
    };
    try (Worker worker = Worker.create(config(infra.uniqueName("g"), in, 10), broken, flaky, WorkerListener.NONE).start()) {
      List<ConsumerRecord<String, String>> dead = Topics.readCommitted(infra.kafkaBootstrap(), dlq, 5, Duration.ofSeconds(30));
      assertThat(dead).extracting(ConsumerRecord::value).hasSize(5).doesNotHaveDuplicates();
      assertThat(worker.state()).isEqualTo(Worker.State.RUNNING);
    }
  }

  @Test
  void publishesTheFailureHandlersOutcomeWhenTheHandlerThrows() throws Exception {
    String in = infra.uniqueName("in");
    String dlq = infra.uniqueName("dlq");
    Topics.create(infra.kafkaBootstrap(), 1, in, dlq);
    Topics.produce(infra.kafkaBootstrap(), in, 5);
    RecordHandler broken = record -> {
      throw new IllegalStateException("agent bug on " + text(record));
    };
    try (Worker worker = Worker.create(config(infra.uniqueName("g"), in, 10), broken, deadLetterTo(dlq), WorkerListener.NONE).start()) {
      List<ConsumerRecord<String, String>> dead = Topics.readCommitted(infra.kafkaBootstrap(), dlq, 5, Duration.ofSeconds(30));
      assertThat(dead).extracting(ConsumerRecord::value).hasSize(5).allMatch(v -> v.startsWith("IllegalStateException: agent bug on task-"));
      assertThat(worker.state()).isEqualTo(Worker.State.RUNNING);
    }
  }

  @Test
  void twoReplicasShareTheWorkAndAThirdJoiningUnderLoadLosesNothing() throws Exception {
    String in = infra.uniqueName("in");
    String out = infra.uniqueName("out");
    Topics.create(infra.kafkaBootstrap(), 4, in, out);
    String group = infra.uniqueName("group");
    Map<String, AtomicInteger> perReplica = new ConcurrentHashMap<>();
    Map<String, Boolean> owns = new ConcurrentHashMap<>();
    Function<String, RecordHandler> handlerFor = name -> record -> {
      perReplica.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
      Thread.sleep(2);
      return Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value())));
    };
    Function<String, WorkerListener> ownership = name -> new WorkerListener() {
      @Override
      public void assigned(java.util.Set<org.apache.kafka.common.TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
          owns.put(name, true);
        }
      }
    };
    try (Worker a = Worker.create(config(group, in, 50), handlerFor.apply("a"), deadLetterTo(out), ownership.apply("a")).start();
         Worker b = Worker.create(config(group, in, 50), handlerFor.apply("b"), deadLetterTo(out), ownership.apply("b")).start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> owns.containsKey("a") && owns.containsKey("b"));
      Topics.produce(infra.kafkaBootstrap(), in, 1_000);
      await().atMost(Duration.ofSeconds(30)).until(() -> perReplica.values().stream().mapToInt(AtomicInteger::get).sum() > 200);
      try (Worker c = Worker.create(config(group, in, 50), handlerFor.apply("c"), deadLetterTo(out), WorkerListener.NONE).start()) {
        Topics.produce(infra.kafkaBootstrap(), in, 1_000, 1_000); // more load while the group rebalances
        List<ConsumerRecord<String, String>> outputs = Topics.readCommitted(infra.kafkaBootstrap(), out, 2_000, Duration.ofSeconds(60));
        Map<String, Long> perTask = outputs.stream().collect(Collectors.groupingBy(ConsumerRecord::value, Collectors.counting()));
        assertThat(outputs).hasSize(2_000);
        assertThat(perTask).hasSize(2_000).containsKeys("task-0", "task-1999");
      }
    }
    assertThat(perReplica.get("a")).as("replica a took work").isNotNull();
    assertThat(perReplica.get("b")).as("replica b took work").isNotNull();
  }

  /**
   * The consumer fails a {@code committed()} retried right after a wakeup again, with the same
   * wakeup, until the woken call's request is answered (kafka-clients 4.3.1, group protocol
   * "consumer"); the worker's retry must outlast that however many times it happens.
   */
  @Test
  void aCommittedOffsetsReadWokenBetweenPollsIsRetriedUntilItAnswers() throws Exception {
    String in = infra.uniqueName("in");
    Topics.create(infra.kafkaBootstrap(), 1, in);
    TopicPartition partition = new TopicPartition(in, 0);
    Map<String, Object> props = Map.of("bootstrap.servers", infra.kafkaBootstrap(), "group.id", infra.uniqueName("group"),
        "group.protocol", "consumer", "enable.auto.commit", false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.commitSync(Map.of(partition, new OffsetAndMetadata(7, "progress")));
      int woken = 0;
      for (int round = 0; round < 200; round++) {
        long delayNanos = ThreadLocalRandom.current().nextLong(1_500_000); // lands before or during the call
        Thread waker = Thread.ofPlatform().start(() -> {
          LockSupport.parkNanos(delayNanos);
          consumer.wakeup();
        });
        AtomicInteger calls = new AtomicInteger();
        Map<TopicPartition, OffsetAndMetadata> committed = Worker.retryingWakeups(() -> {
          calls.incrementAndGet();
          return consumer.committed(Set.of(partition), Duration.ofSeconds(30));
        }, Duration.ofSeconds(30), "round " + round);
        waker.join();
        assertThat(committed.get(partition)).as("round %d", round).isEqualTo(new OffsetAndMetadata(7, "progress"));
        if (calls.get() > 1) {
          woken++;
        } else {
          try {
            consumer.poll(Duration.ZERO); // the wakeup came after the call: consume it before the next round
          } catch (WakeupException expected) {
            // consumed
          }
        }
      }
      assertThat(woken).as("rounds whose first call a wakeup interrupted").isPositive();
    }
  }

  private Worker worker(String topic, int maxInFlight, RecordHandler handler) {
    return Worker.create(config(infra.uniqueName("group"), topic, maxInFlight), handler, deadLetterTo(topic + "-dlq"), WorkerListener.NONE);
  }

  private WorkerConfig config(String group, String topic, int maxInFlight) {
    return WorkerConfig.of(infra.kafkaBootstrap(), group, infra.uniqueName("replica"), List.of(topic), maxInFlight)
        .withShutdownGrace(Duration.ofSeconds(5));
  }

  private static FailureHandler deadLetterTo(String topic) {
    return (record, error) -> Outcome.of(List.of(new ProducerRecord<>(topic, record.key(),
        (error.getClass().getSimpleName() + ": " + error.getMessage()).getBytes(StandardCharsets.UTF_8))));
  }

  private static String text(ConsumerRecord<byte[], byte[]> record) {
    return new String(record.value(), StandardCharsets.UTF_8);
  }
}
