package io.agentmesh.load;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The console table of one session, and the JSON view without internal entries. */
final class Summary {

  private Summary() {}

  /** Prints one line per measurement and one per target. */
  @SuppressWarnings("unchecked")
  static void print(PrintWriter out, Map<String, Object> results, BenchOptions options) {
    out.printf("%nwarm-up %d s, measured %d s, payload %d B%n", options.warmupSeconds(), options.durationSeconds(), options.payloadBytes());
    out.printf("%-44s %10s %9s %9s %9s %9s%n", "measurement", "count", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
    Map<String, Object> raw = (Map<String, Object>) results.get("raw");
    if (raw != null) {
      line(out, "raw kafka produce->consume @" + raw.get("rate_per_s") + "/s", (Latencies) raw.get("_latencies"));
    }
    Map<String, Object> worker = (Map<String, Object>) results.get("worker");
    if (worker != null) {
      Map<String, Object> w = (Map<String, Object>) worker.get("as_mesh");
      line(out, "worker forward, " + w.get("delivery") + " @" + w.get("rate_per_s") + "/s", (Latencies) w.get("_latencies"));
      out.printf("  %s commit passes after warm-up, %s records per pass, %s%n", w.get("transactions_after_warmup"),
          w.get("records_per_transaction"), w.get("transaction_costs"));
    }
    Map<String, Object> hop = (Map<String, Object>) results.get("hop");
    if (hop != null) {
      Latencies e2e = (Latencies) hop.get("_latencies");
      line(out, "3-node pipeline end-to-end @" + hop.get("rate_per_s") + "/s", e2e);
      line(out, "  per hop (/3)", e2e.dividedBy(HopOverheadBench.HOPS));
      line(out, "  per topic crossing (/4)", e2e.dividedBy(HopOverheadBench.TOPIC_CROSSINGS));
      Latencies overhead = (Latencies) hop.get("_overhead");
      line(out, "  end-to-end minus model time", overhead);
      line(out, "  per hop minus model time (/3)", overhead.dividedBy(HopOverheadBench.HOPS));
      // under at-least-once the workers' commit passes are offset commits, and no producer is transactional
      boolean transactional = options.delivery().equals("exactly-once");
      String pass = transactional ? "transaction" : "offset commit";
      out.printf("  sent %s, completions/s %s, failed %s, lost %s, %ss/s per node %s, records per %s %s, JVM CPU ms per run %s%n",
          hop.get("sent"), hop.get("completions_per_s"), hop.get("failed"), hop.get("lost"), pass, hop.get("transactions_per_s_per_node"),
          pass, hop.get("records_per_transaction"), hop.get("jvm_cpu_ms_per_run"));
      out.printf("  Redis per run: %s; CPU stolen by the hypervisor %s%%, machine busy %s%%%n", hop.get("redis"),
          hop.get("steal_pct"), hop.get("busy_pct"));
      out.printf("  model call mean %s ms (mesh.model.latency), %s ms as the run record keeps it (what is subtracted)%n",
          hop.get("model_call_mean_ms"), hop.get("model_call_mean_ms_as_recorded"));
      out.printf("  handler (HopHandler.handle) mean %s ms, its Redis round trips before / after the node %s / %s ms (mesh.state.latency)%s%n",
          hop.get("handler_mean_ms"), hop.get("redis_before_node_mean_ms"), hop.get("redis_after_node_mean_ms"),
          transactional ? "; worker transactions: " + hop.get("worker_transactions") : "");
      if (hop.get("raw_alongside") instanceof Map<?, ?> alongside) {
        line(out, "  raw kafka @" + alongside.get("rate_per_s") + "/s beside this load", (Latencies) alongside.get("_latencies"));
      }
    }
    Map<String, Object> inflight = (Map<String, Object>) results.get("inflight");
    if (inflight != null) {
      for (Map<String, Object> row : (List<Map<String, Object>>) inflight.get("rates")) {
        line(out, "1 s model, 1 replica @" + row.get("rate_per_s") + "/s", (Latencies) row.get("_latencies"));
        out.printf("  completions/s %s, peak in flight %s (gauge) / %s (simulator), lost %s%n", row.get("completions_per_s"),
            row.get("peak_in_flight_gauge"), row.get("peak_in_flight_simulator"), row.get("lost"));
      }
    }
    Map<String, Object> direct = (Map<String, Object>) results.get("direct");
    if (direct != null) {
      for (Map<String, Object> row : (List<Map<String, Object>>) direct.get("rows")) {
        Map<String, Object> d = (Map<String, Object>) row.get("direct");
        Map<String, Object> m = (Map<String, Object>) row.get("mesh");
        out.printf("model %3s ms, concurrency %s: direct %.1f runs/s (%s CPU ms/run), mesh %.1f runs/s (%s CPU ms/run), ratio %.3f%n",
            row.get("model_latency_ms"), row.get("concurrency"), (double) d.get("runs_per_s"), d.get("jvm_cpu_ms_per_run"),
            (double) m.get("runs_per_s"), m.get("jvm_cpu_ms_per_run"), (double) row.get("ratio"));
        out.printf("  direct model call: %s%n", d.get("model_call"));
        out.printf("  mesh Redis per run: %s%n", m.get("redis"));
        out.printf("  CPU stolen by the hypervisor: direct %s%%, mesh %s%%; machine busy: direct %s%%, mesh %s%%%n",
            d.get("steal_pct"), m.get("steal_pct"), d.get("busy_pct"), m.get("busy_pct"));
        out.printf("  CPU per run in simulator units (the host's speed cancels out): direct %s, mesh %s; mesh broker requests per run %s%n",
            d.get("cpu_in_simulator_units"), m.get("cpu_in_simulator_units"), m.get("broker_requests_per_run"));
        out.printf("  mesh CPU ms per run by thread: %s%n", m.get("cpu_ms_per_run_by_thread"));
      }
      for (Map<String, Object> best : (List<Map<String, Object>>) direct.get("best")) {
        out.printf("model %3s ms, best of concurrency %s: direct %.1f runs/s (at %s), mesh %.1f runs/s (at %s), ratio %.3f%n",
            best.get("model_latency_ms"), best.get("concurrencies"), (double) best.get("direct_runs_per_s"),
            best.get("direct_at_concurrency"), (double) best.get("mesh_runs_per_s"), best.get("mesh_at_concurrency"),
            (double) best.get("ratio"));
      }
    }
    out.println();
    Verdicts.of(results).forEach((target, verdict) -> out.printf("target %-44s %s%n", target, verdict));
    out.flush();
  }

  private static void line(PrintWriter out, String name, Latencies l) {
    out.printf("%-44s %10d %9.3f %9.3f %9.3f %9.3f%n", name, l.count(), l.p50(), l.p99(), l.p999(), l.max());
  }

  /** The report without entries whose key starts with '_' (objects kept for the table only). */
  @SuppressWarnings("unchecked")
  static Object publicView(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map).forEach((k, v) -> {
        if (!k.startsWith("_")) {
          copy.put(k, publicView(v));
        }
      });
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(publicView(v)));
      return copy;
    }
    return value;
  }
}
