package io.agentmesh.load;

import io.agentmesh.agents.runtime.Outcome;
import io.agentmesh.agents.runtime.Worker;
import io.agentmesh.agents.runtime.WorkerConfig;
import io.agentmesh.agents.runtime.WorkerListener;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A diagnostic between the raw reference and the mesh: one {@link Worker} whose handler forwards
 * each record unchanged (no Redis, no model, no Avro), so the latency is Kafka plus the worker's
 * poll loop and its commit pass (a transaction per pass under exactly-once). Producer -> in (3
 * partitions) -> worker -> out -> read_committed consumer; open-loop at the hop rate.
 */
final class WorkerHopBench {

  private WorkerHopBench() {}

  /**
   * Runs it once, with the worker's settings as the mesh has them and the delivery guarantee of
   * {@code --delivery}. (Until Run G it also ran with a 5 ms producer retry backoff, to show what
   * transaction-state retries cost; the worker has had that backoff since, so the two were the same.)
   */
  static Map<String, Object> run(BenchInfra infra, BenchOptions options) throws Exception {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "worker-hop");
    report.put("as_mesh", once(infra, options));
    return report;
  }

  private static Map<String, Object> once(BenchInfra infra, BenchOptions options) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String in = "bench.worker.in." + id;
    String out = "bench.worker.out." + id;
    infra.admin().createTopics(List.of(new NewTopic(in, 3, (short) 1), new NewTopic(out, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
    int rate = options.hopRate();
    long warmupCount = (long) rate * options.warmupSeconds();
    long total = warmupCount + (long) rate * options.durationSeconds();
    AtomicLong transactions = new AtomicLong();
    AtomicLong committedRecords = new AtomicLong();
    WorkerListener counting = new WorkerListener() {
      @Override
      public void committed(int records, int published) {
        transactions.incrementAndGet();
        committedRecords.addAndGet(records);
      }
    };
    WorkerConfig defaults = WorkerConfig.of(infra.bootstrap(), "bench-worker-" + id, "bench-worker-" + id, List.of(in), 256);
    WorkerConfig config = defaults.withTransactional(options.delivery().equals("exactly-once"));
    Histogram micros = Latencies.newHistogram();
    long[] received = {0};
    long[] windowTx = new long[2];
    ProducerStats[] producersAtWindow = {ProducerStats.of("bench-worker-" + id)};
    try (Worker worker = Worker.create(config,
             record -> Outcome.of(List.of(new ProducerRecord<>(out, record.key(), record.value()))),
             (record, error) -> Outcome.none(), counting).start();
         KafkaProducer<byte[], byte[]> producer = RawKafkaBench.plainProducer(infra.bootstrap());
         KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
             ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrap(),
             ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
             ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(out, 0), new TopicPartition(out, 1), new TopicPartition(out, 2));
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      int size = Math.max(16, options.payloadBytes());
      // readiness: one record through the worker before the clock starts
      producer.send(new ProducerRecord<>(in, ByteBuffer.allocate(size).putLong(System.nanoTime()).putLong(-1).array()));
      long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean ready = false;
      while (!ready && System.nanoTime() < probeDeadline) {
        ready = !consumer.poll(Duration.ofMillis(100)).isEmpty();
      }
      if (!ready) {
        throw new IllegalStateException("the worker did not forward a probe record within 60 s");
      }
      double loadBefore = Machine.loadAverage();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      long windowStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
      Thread reader = Thread.ofPlatform().name("bench-worker-consumer").start(() -> {
        long deadline = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds() + options.durationSeconds() + 30L);
        boolean windowOpen = false;
        while (received[0] < total && System.nanoTime() < deadline) {
          if (!windowOpen && System.nanoTime() >= windowStart) {
            windowOpen = true;
            windowTx[0] = transactions.get();
            windowTx[1] = committedRecords.get();
            producersAtWindow[0] = ProducerStats.of("bench-worker-" + id);
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            ByteBuffer value = ByteBuffer.wrap(record.value());
            long intended = value.getLong();
            long index = value.getLong();
            if (index >= warmupCount) {
              micros.recordValue(Math.max(1, (now - intended) / 1000));
            }
            if (index >= 0) {
              received[0]++;
            }
          }
        }
      });
      long sent = OpenLoop.run(rate, total, start, TimeUnit.SECONDS.toNanos(5), (index, intended) ->
          producer.send(new ProducerRecord<>(in, Long.toString(index).getBytes(),
              ByteBuffer.allocate(size).putLong(intended).putLong(index).array())));
      reader.join();
      long tx = transactions.get() - windowTx[0];
      long records = committedRecords.get() - windowTx[1];
      Latencies latencies = Latencies.of(micros);
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("delivery", options.delivery());
      report.put("rate_per_s", rate);
      report.put("sent", sent);
      report.put("received", received[0]);
      report.put("latency", latencies.toMap());
      report.put("transactions_after_warmup", tx);
      report.put("records_per_transaction", tx == 0 ? 0 : Latencies.round(records / (double) tx));
      report.put("transaction_costs", ProducerStats.of("bench-worker-" + id).perTransactionSince(producersAtWindow[0], tx));
      report.put("load_average_1m", List.of(loadBefore, Machine.loadAverage()));
      report.put("_latencies", latencies);
      return report;
    }
  }
}
