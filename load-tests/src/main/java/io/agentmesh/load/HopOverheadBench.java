package io.agentmesh.load;

import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.NodeVisit;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 2: a 3-node pipeline (START -> a -> b -> c -> END) on a zero-latency simulator model at a
 * fixed open-loop arrival rate. End-to-end latency runs from a task's intended publish time to its
 * result being read by the client. The simulator applies no delay, but each model call is still an
 * HTTP round trip: the measure, end-to-end minus model time, subtracts each run's model time
 * as the mesh recorded it (the sum of its nodes' {@code modelMicros} in the run record; until Run P
 * the record kept whole milliseconds, which left about half a millisecond of each call in the hop).
 * Both are reported; the verdict uses the one minus model time.
 *
 * <p>Per hop: a run is 3 hops as the mesh counts them (RunResult.hops; one per node, each consuming
 * its input and publishing its output in a transaction); it crosses 4 topics (ingress, a->b, b->c,
 * results). The headline divides by 3 hops; dividing by the 4 topic crossings is also reported.
 *
 * <p>With {@code --raw-alongside-rate}, a raw Kafka probe runs on the runs' schedule beside them:
 * what a plain topic crossing costs while the machine carries this load, beside the quiet
 * reference the verdicts use.
 */
final class HopOverheadBench {

  static final String MODEL = "bench-zero";
  static final int HOPS = 3;
  static final int TOPIC_CROSSINGS = 4;

  private HopOverheadBench() {}

  /** Runs it and returns the report. */
  static Map<String, Object> run(BenchInfra infra, BenchOptions options) throws Exception {
    infra.simulator().putModel(ModelBehaviour.builder(MODEL).latency(Latency.none()).build());
    String name = "bench-hop-" + UUID.randomUUID().toString().substring(0, 6);
    byte[] task = Graphs.task(options.payloadBytes());
    int rate = options.hopRate();
    long warmupCount = (long) rate * options.warmupSeconds();
    long total = warmupCount + (long) rate * options.durationSeconds();
    Histogram micros = Latencies.newHistogram();
    Map<String, Long> measuredMicros = new ConcurrentHashMap<>();
    try (BenchInfra.Deployment deployment = infra.deploy(Graphs.pipeline(name, infra.simulator().baseUrl(), MODEL),
             Graphs.spec(options.delivery(), 256, "a", "b", "c"));
         MeshClient client = new MeshClient(infra.bootstrap(), deployment.topics().ingress(), deployment.topics().results(), infra.codec())) {
      if (!client.probe("probe-" + name, task, Duration.ofSeconds(60))) {
        throw new IllegalStateException("the pipeline did not answer a probe run within 60 s");
      }
      client.closedLoopWarmup("warm-" + name, task, 32, options.warmupSeconds());
      RawKafkaBench.Probe probe = options.rawAlongsideRate() > 0 ? RawKafkaBench.Probe.open(infra, options.payloadBytes()) : null;
      double loadBefore = Machine.loadAverage();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      // the raw probe on the same schedule as the runs: its window is the hop's
      CompletableFuture<Map<String, Object>> alongside = probe == null ? CompletableFuture.completedFuture(null)
          : CompletableFuture.supplyAsync(() -> {
            try (probe) {
              return probe.measure(options.rawAlongsideRate(), options, start);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("the raw probe beside the hop benchmark was interrupted", e);
            }
          }, runnable -> Thread.ofPlatform().name("bench-raw-alongside").start(runnable));
      long windowStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
      long windowEnd = windowStart + TimeUnit.SECONDS.toNanos(options.durationSeconds());
      java.util.concurrent.atomic.AtomicLong completedInWindow = new java.util.concurrent.atomic.AtomicLong();
      client.listener((runId, began, measured, ok, now) -> {
        if (ok && now >= windowStart && now < windowEnd) {
          completedInWindow.incrementAndGet();
        }
        if (ok && measured) {
          long runMicros = Math.max(1, (now - began) / 1000);
          synchronized (micros) {
            micros.recordValue(runMicros);
          }
          measuredMicros.put(runId, runMicros);
        }
      });
      CpuWindow cpu = CpuWindow.of(windowStart, windowEnd, infra.redisUri());
      double[] atWindow = new double[2];
      ProducerStats[] producersAtWindow = new ProducerStats[1];
      BenchInfra.Timed[] timersAtWindow = new BenchInfra.Timed[4];
      Thread marker = Thread.ofVirtual().start(() -> {
        java.util.concurrent.locks.LockSupport.parkNanos(windowStart - System.nanoTime());
        atWindow[0] = deployment.total(MeshMetric.TRANSACTIONS);
        atWindow[1] = deployment.total(MeshMetric.RECORDS_CONSUMED);
        producersAtWindow[0] = ProducerStats.of(name + ".");
        timersAtWindow[0] = deployment.timed(MeshMetric.PROCESSING_TIME);
        timersAtWindow[1] = deployment.timed(MeshMetric.MODEL_LATENCY);
        timersAtWindow[2] = deployment.timed(MeshMetric.STATE_LATENCY, "step", "before");
        timersAtWindow[3] = deployment.timed(MeshMetric.STATE_LATENCY, "step", "after");
      });
      long sent = OpenLoop.run(rate, total, start, TimeUnit.SECONDS.toNanos(5),
          (index, intended) -> client.submit(name + "-" + index, task, intended, index >= warmupCount));
      long sendingEnded = System.nanoTime();
      marker.join();
      Map<String, Object> rawAlongside = alongside.join();
      double transactions = deployment.total(MeshMetric.TRANSACTIONS) - atWindow[0];
      double consumed = deployment.total(MeshMetric.RECORDS_CONSUMED) - atWindow[1];
      double handlerMs = deployment.timed(MeshMetric.PROCESSING_TIME).meanMillisSince(timersAtWindow[0]);
      double modelCallMs = deployment.timed(MeshMetric.MODEL_LATENCY).meanMillisSince(timersAtWindow[1]);
      double beforeNodeMs = deployment.timed(MeshMetric.STATE_LATENCY, "step", "before").meanMillisSince(timersAtWindow[2]);
      double afterNodeMs = deployment.timed(MeshMetric.STATE_LATENCY, "step", "after").meanMillisSince(timersAtWindow[3]);
      Map<String, Object> transactionCosts = ProducerStats.of(name + ".").perTransactionSince(producersAtWindow[0], transactions);
      double windowSeconds = (sendingEnded - windowStart) / 1e9;
      double cpuMillis = cpu.cpuMillis();
      boolean drained = client.awaitIdle(Duration.ofSeconds(30));
      long lost = client.pending();
      client.forgetPending();
      Latencies e2e;
      synchronized (micros) {
        e2e = Latencies.of(micros);
      }
      Histogram withoutModel = Latencies.newHistogram();
      Subtracted subtracted = minusModelTime(infra, measuredMicros, withoutModel);
      Latencies overhead = Latencies.of(withoutModel);
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("benchmark", "hop-overhead");
      report.put("rate_per_s", rate);
      report.put("task_bytes", task.length);
      report.put("sent", sent);
      report.put("failed", client.failed());
      report.put("lost", lost);
      report.put("drained", drained);
      report.put("model_ms", 0);
      report.put("transactions_per_s_per_node", Latencies.round(transactions / windowSeconds / HOPS));
      report.put("completions_per_s", Latencies.round(completedInWindow.get() / (double) options.durationSeconds()));
      report.put("jvm_cpu_ms_per_run", completedInWindow.get() == 0 ? 0 : Latencies.round(cpuMillis / completedInWindow.get()));
      report.put("redis", cpu.redisPerRun(completedInWindow.get()));
      report.put("steal_pct", cpu.stealPercent());
      report.put("busy_pct", cpu.busyPercent());
      report.putAll(cpu.meshBreakdown(completedInWindow.get()));
      report.put("worker_transactions", transactionCosts);
      report.put("handler_mean_ms", Latencies.round(handlerMs));
      // what a model call took (the runtime's timer) against what the run record keeps of it, which
      // is what the measure minus model time subtracts: the two should agree
      report.put("model_call_mean_ms", Latencies.round(modelCallMs));
      report.put("model_call_mean_ms_as_recorded", Latencies.round(subtracted.recordedMillisPerCall()));
      // the handler's two Redis round trips (mesh.state.latency): with the model call, most of its time
      report.put("redis_before_node_mean_ms", Latencies.round(beforeNodeMs));
      report.put("redis_after_node_mean_ms", Latencies.round(afterNodeMs));
      report.put("records_per_transaction", transactions == 0 ? 0 : Latencies.round(consumed / transactions));
      report.put("end_to_end", e2e.toMap());
      report.put("per_hop_3", e2e.dividedBy(HOPS).toMap());
      report.put("per_topic_crossing_4", e2e.dividedBy(TOPIC_CROSSINGS).toMap());
      report.put("load_average_1m", List.of(loadBefore, Machine.loadAverage()));
      report.put("end_to_end_minus_model", overhead.toMap());
      report.put("per_hop_3_minus_model", overhead.dividedBy(HOPS).toMap());
      report.put("runs_without_model_time", subtracted.unrecorded());
      if (rawAlongside != null) {
        report.put("raw_alongside", rawAlongside);
      }
      report.put("_latencies", e2e);
      report.put("_overhead", overhead);
      return report;
    }
  }

  /** What {@link #minusModelTime} did: runs it found no record of, and the model time it subtracted per call. */
  private record Subtracted(long unrecorded, double recordedMillisPerCall) {}

  /**
   * Records each measured run's end-to-end time minus its model time (the sum of its nodes'
   * {@code modelMicros} in the run record) into {@code into}.
   */
  private static Subtracted minusModelTime(BenchInfra infra, Map<String, Long> measuredMicros, Histogram into) throws Exception {
    long unrecorded = 0;
    long modelMicros = 0;
    long runs = 0;
    try (MeshRedis redis = MeshRedis.connect(infra.redisUri())) {
      Map<String, CompletableFuture<Optional<RunRecord>>> records = new LinkedHashMap<>();
      measuredMicros.keySet().forEach(runId -> records.put(runId, redis.runRecords().get(runId).toCompletableFuture()));
      for (Map.Entry<String, CompletableFuture<Optional<RunRecord>>> e : records.entrySet()) {
        Optional<RunRecord> record = e.getValue().get(30, TimeUnit.SECONDS);
        if (record.isEmpty() || record.get().nodes().size() < HOPS) {
          unrecorded++;
          continue;
        }
        long runModelMicros = record.get().nodes().values().stream().mapToLong(NodeVisit::modelMicros).sum();
        modelMicros += runModelMicros;
        runs++;
        into.recordValue(Math.max(1, measuredMicros.get(e.getKey()) - runModelMicros));
      }
    }
    return new Subtracted(unrecorded, runs == 0 ? 0 : modelMicros / 1000.0 / (runs * HOPS));
  }
}
