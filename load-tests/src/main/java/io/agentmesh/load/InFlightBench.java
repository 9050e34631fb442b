package io.agentmesh.load;

import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 3: one replica of one llm node whose model takes a fixed 1 s, fed open-loop at each of
 * several rates in turn. Per rate: completions per second inside the measurement window, end-to-end
 * latency of runs started after the warm-up, and the peak in flight (the node's mesh.in.flight
 * gauge and the simulator's own count, sampled every 20 ms).
 */
final class InFlightBench {

  static final String MODEL = "bench-1s";
  static final String NODE = "solo";

  private InFlightBench() {}

  /** Runs every rate against one deployment, draining between rates. */
  static Map<String, Object> run(BenchInfra infra, BenchOptions options) throws Exception {
    infra.simulator().putModel(ModelBehaviour.builder(MODEL).latency(Latency.fixed(Duration.ofSeconds(1))).build());
    String name = "bench-inflight-" + UUID.randomUUID().toString().substring(0, 6);
    byte[] task = Graphs.task(options.payloadBytes());
    List<Map<String, Object>> rows = new ArrayList<>();
    try (BenchInfra.Deployment deployment = infra.deploy(Graphs.single(name, infra.simulator().baseUrl(), MODEL),
             Graphs.spec(options.delivery(), options.maxInFlight(), NODE));
         MeshClient client = new MeshClient(infra.bootstrap(), deployment.topics().ingress(), deployment.topics().results(), infra.codec())) {
      if (!client.probe("probe-" + name, task, Duration.ofSeconds(60))) {
        throw new IllegalStateException("the node did not answer a probe run within 60 s");
      }
      client.closedLoopWarmup("warm-" + name, task, 256, options.warmupSeconds());
      for (int rate : options.inFlightRates()) {
        rows.add(atRate(infra, deployment, client, name + "-r" + rate, task, rate, options));
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "in-flight");
    report.put("model_latency_ms", 1000);
    report.put("max_in_flight_setting", options.maxInFlight());
    report.put("rates", rows);
    return report;
  }

  private static Map<String, Object> atRate(BenchInfra infra, BenchInfra.Deployment deployment, MeshClient client, String prefix,
                                            byte[] task, int rate, BenchOptions options) throws Exception {
    long warmupCount = (long) rate * options.warmupSeconds();
    long total = warmupCount + (long) rate * options.durationSeconds();
    Histogram micros = Latencies.newHistogram();
    AtomicLong inWindow = new AtomicLong();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long windowStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
    long windowEnd = windowStart + TimeUnit.SECONDS.toNanos(options.durationSeconds());
    client.listener((runId, began, measured, ok, now) -> {
      if (ok && now >= windowStart && now < windowEnd) {
        inWindow.incrementAndGet();
      }
      if (ok && measured) {
        synchronized (micros) {
          micros.recordValue(Math.max(1, (now - began) / 1000));
        }
      }
    });
    double loadBefore = Machine.loadAverage();
    long[] peaks = new long[2];
    Thread sampler = Thread.ofPlatform().name("bench-inflight-sampler").daemon().start(() -> {
      while (System.nanoTime() < windowEnd) {
        if (System.nanoTime() >= start) {
          peaks[0] = Math.max(peaks[0], (long) deployment.inFlight(NODE));
          var stats = infra.simulator().stats();
          peaks[1] = Math.max(peaks[1], stats.models().containsKey(MODEL) ? stats.model(MODEL).inFlight() : 0);
        }
        try {
          TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    long sent = OpenLoop.run(rate, total, start, TimeUnit.SECONDS.toNanos(5),
        (index, intended) -> client.submit(prefix + "-" + index, task, intended, index >= warmupCount));
    sampler.join();
    boolean drained = client.awaitIdle(Duration.ofSeconds(30));
    long lost = client.pending();
    client.forgetPending();
    Latencies e2e;
    synchronized (micros) {
      e2e = Latencies.of(micros);
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("rate_per_s", rate);
    row.put("sent", sent);
    row.put("completions_per_s", Latencies.round(inWindow.get() / (double) options.durationSeconds()));
    row.put("end_to_end", e2e.toMap());
    row.put("peak_in_flight_gauge", peaks[0]);
    row.put("peak_in_flight_simulator", peaks[1]);
    row.put("failed_total", client.failed());
    row.put("lost", lost);
    row.put("drained", drained);
    row.put("load_average_1m", List.of(loadBefore, Machine.loadAverage()));
    row.put("_latencies", e2e);
    return row;
  }
}
