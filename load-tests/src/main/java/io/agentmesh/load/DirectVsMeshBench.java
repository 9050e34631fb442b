package io.agentmesh.load;

import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.agents.model.ModelEndpoint;
import io.agentmesh.agents.model.OpenAiChatModel;
import io.agentmesh.agents.model.ResilientChatModel;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Benchmark 4: the same 3-node pipeline run two ways at the same concurrency, at each model latency
 * (default 0 and 100 ms) and each concurrency asked for (default 64), all in one run. Direct:
 * {@code concurrency} virtual threads each call the three nodes' model in sequence, in process (the
 * same OpenAI client and resilience wrapper the llm node uses, the same simulator over HTTP; no
 * broker, no Redis). Mesh: {@code concurrency} runs kept outstanding (closed loop: each result
 * submits the next task). Throughput is completions inside the measurement window divided by its
 * length; the ratio is mesh / direct.
 */
final class DirectVsMeshBench {

  private DirectVsMeshBench() {}

  /** Runs direct then mesh at each model latency and returns the report. */
  static Map<String, Object> run(BenchInfra infra, BenchOptions options) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int latencyMs : options.modelLatencies()) {
      String model = "bench-direct-" + latencyMs;
      infra.simulator().putModel(ModelBehaviour.builder(model)
          .latency(latencyMs == 0 ? Latency.none() : Latency.fixed(Duration.ofMillis(latencyMs))).build());
      for (int concurrency : options.concurrencies()) {
        double loadBefore = Machine.loadAverage();
        Map<String, Object> direct = direct(infra, model, concurrency, options);
        Map<String, Object> mesh = mesh(infra, model, concurrency, options);
        double ratio = (double) mesh.get("runs_per_s") / (double) direct.get("runs_per_s");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model_latency_ms", latencyMs);
        row.put("concurrency", concurrency);
        row.put("direct", direct);
        row.put("mesh", mesh);
        row.put("ratio", Latencies.round(ratio));
        row.put("target", targetAt(latencyMs));
        row.put("load_average_1m", List.of(loadBefore, Machine.loadAverage()));
        rows.add(row);
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "direct-vs-mesh");
    report.put("rows", rows);
    report.put("best", best(rows));
    return report;
  }

  /**
   * Each side's throughput at a model latency, as the verdicts take it (D-027): the most runs/s it
   * completed at any of the concurrencies run, and the ratio of the mesh's to the direct path's. A
   * closed loop's throughput grows with the runs outstanding until the side is bound by its CPU;
   * the mesh's, which batches more records per Kafka request the more runs are outstanding, grows
   * further than the direct path's.
   */
  static List<Map<String, Object>> best(List<Map<String, Object>> rows) {
    Map<Object, List<Map<String, Object>>> byLatency = new LinkedHashMap<>();
    rows.forEach(row -> byLatency.computeIfAbsent(row.get("model_latency_ms"), latency -> new ArrayList<>()).add(row));
    List<Map<String, Object>> best = new ArrayList<>();
    byLatency.forEach((latency, sameLatency) -> {
      Map<String, Object> direct = fastest(sameLatency, "direct");
      Map<String, Object> mesh = fastest(sameLatency, "mesh");
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("model_latency_ms", latency);
      entry.put("concurrencies", sameLatency.stream().map(row -> row.get("concurrency")).toList());
      entry.put("direct_runs_per_s", runsPerSecond(direct, "direct"));
      entry.put("direct_at_concurrency", direct.get("concurrency"));
      entry.put("mesh_runs_per_s", runsPerSecond(mesh, "mesh"));
      entry.put("mesh_at_concurrency", mesh.get("concurrency"));
      entry.put("ratio", Latencies.round(runsPerSecond(mesh, "mesh") / runsPerSecond(direct, "direct")));
      entry.put("target", sameLatency.getFirst().get("target"));
      best.add(entry);
    });
    return best;
  }

  private static Map<String, Object> fastest(List<Map<String, Object>> rows, String side) {
    return rows.stream().max(Comparator.comparingDouble(row -> runsPerSecond(row, side))).orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static double runsPerSecond(Map<String, Object> row, String side) {
    return (double) ((Map<String, Object>) row.get(side)).get("runs_per_s");
  }

  /** The targets: 25% at zero model latency, 90% at 100 ms; none at other latencies. */
  private static Double targetAt(int latencyMs) {
    return switch (latencyMs) {
      case 0 -> 0.25;
      case 100 -> 0.90;
      default -> null;
    };
  }

  private static Map<String, Object> direct(BenchInfra infra, String model, int concurrency, BenchOptions options)
      throws Exception {
    ModelEndpoint endpoint = ModelEndpoint.of("default", infra.simulator().baseUrl(), model).withRequestTimeout(Duration.ofSeconds(30));
    Recorder callMicros = new Recorder(3);
    AtomicLong inWindow = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    double cpuMillis;
    Double steal;
    Double busy;
    Double simulatorUnits;
    Map<String, Double> byThread;
    try (OpenAiChatModel client = OpenAiChatModel.create(endpoint)) {
      ChatModel chat = ResilientChatModel.builder(client).build();
      long start = System.nanoTime();
      long windowStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
      long windowEnd = windowStart + TimeUnit.SECONDS.toNanos(options.durationSeconds());
      CpuWindow cpu = CpuWindow.of(windowStart, windowEnd);
      String input = new String(Graphs.task(options.payloadBytes()), StandardCharsets.UTF_8);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        threads.add(Thread.ofVirtual().name("bench-direct-" + i).start(() -> {
          while (System.nanoTime() < windowEnd) {
            try {
              String text = input;
              for (int node = 0; node < HopOverheadBench.HOPS; node++) {
                long began = System.nanoTime();
                ChatResponse response = chat.complete(ChatRequest.builder().user(text).build());
                long now = System.nanoTime();
                if (began >= windowStart) {
                  callMicros.recordValue(Math.max(1, (now - began) / 1000));
                }
                text = response.content() == null ? "" : response.content();
              }
              long now = System.nanoTime();
              if (now >= windowStart && now < windowEnd) {
                inWindow.incrementAndGet();
              }
            } catch (Exception e) {
              failures.incrementAndGet();
            }
          }
        }));
      }
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(options.warmupSeconds() + options.durationSeconds() + 60L));
      }
      cpuMillis = cpu.cpuMillis();
      steal = cpu.stealPercent();
      busy = cpu.busyPercent();
      simulatorUnits = cpu.inSimulatorUnits();
      byThread = cpu.byThreadPerRun(inWindow.get());
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("runs_per_s", inWindow.get() / (double) options.durationSeconds());
    result.put("jvm_cpu_ms_per_run", inWindow.get() == 0 ? 0 : Latencies.round(cpuMillis / inWindow.get()));
    result.put("steal_pct", steal);
    result.put("busy_pct", busy);
    result.put("cpu_in_simulator_units", simulatorUnits);
    result.put("cpu_ms_per_run_by_thread", byThread);
    result.put("failed", failures.get());
    result.put("model_call", Latencies.of(callMicros.getIntervalHistogram()).toMap());
    return result;
  }

  private static Map<String, Object> mesh(BenchInfra infra, String model, int concurrency, BenchOptions options)
      throws Exception {
    String name = "bench-vs-" + UUID.randomUUID().toString().substring(0, 6);
    byte[] task = Graphs.task(options.payloadBytes());
    AtomicLong inWindow = new AtomicLong();
    AtomicLong next = new AtomicLong();
    try (BenchInfra.Deployment deployment = infra.deploy(Graphs.pipeline(name, infra.simulator().baseUrl(), model),
             Graphs.spec(options.delivery(), Math.max(256, concurrency), "a", "b", "c"));
         MeshClient client = new MeshClient(infra.bootstrap(), deployment.topics().ingress(), deployment.topics().results(), infra.codec())) {
      if (!client.probe("probe-" + name, task, Duration.ofSeconds(60))) {
        throw new IllegalStateException("the pipeline did not answer a probe run within 60 s");
      }
      client.closedLoopWarmup("warm-" + name, task, concurrency, options.warmupSeconds());
      long start = System.nanoTime();
      long windowStart = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
      long windowEnd = windowStart + TimeUnit.SECONDS.toNanos(options.durationSeconds());
      CpuWindow cpu = CpuWindow.of(windowStart, windowEnd, infra.redisUri());
      client.listener((runId, began, measured, ok, now) -> {
        if (ok && now >= windowStart && now < windowEnd) {
          inWindow.incrementAndGet();
        }
        if (now < windowEnd) {
          client.submit(name + "-" + next.getAndIncrement(), task, now, true);
        }
      });
      for (int i = 0; i < concurrency; i++) {
        client.submit(name + "-" + next.getAndIncrement(), task, start, true);
      }
      long waitUntil = windowEnd + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < waitUntil) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      double cpuMillis = cpu.cpuMillis();
      boolean drained = client.awaitIdle(Duration.ofSeconds(30));
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("runs_per_s", inWindow.get() / (double) options.durationSeconds());
      result.put("jvm_cpu_ms_per_run", inWindow.get() == 0 ? 0 : Latencies.round(cpuMillis / inWindow.get()));
      result.put("redis", cpu.redisPerRun(inWindow.get()));
      result.put("steal_pct", cpu.stealPercent());
      result.put("busy_pct", cpu.busyPercent());
      result.putAll(cpu.meshBreakdown(inWindow.get()));
      result.put("failed", client.failed());
      result.put("drained", drained);
      result.put("lost", client.pending());
      return result;
    }
  }
}
