package io.agentmesh.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Issue #3's targets checked against one session's results; a target whose inputs did not run is absent. */
final class Verdicts {

  private Verdicts() {}

  /** Target name -> {value, limit, met}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> of(Map<String, Object> results) {
    Map<String, Object> verdicts = new LinkedHashMap<>();
    Map<String, Object> raw = (Map<String, Object>) results.get("raw");
    Map<String, Object> hop = (Map<String, Object>) results.get("hop");
    if (raw != null && hop != null) {
      Latencies reference = (Latencies) raw.get("_latencies");
      // the measure: end-to-end minus model time, per hop
      Latencies perHop = ((Latencies) hop.get("_overhead")).dividedBy(HopOverheadBench.HOPS);
      verdicts.put("hop p50 <= raw p50 + 1 ms", verdict(perHop.p50(), reference.p50() + 1, perHop.p50() <= reference.p50() + 1));
      verdicts.put("hop p99 <= 1.5 x raw p99", verdict(perHop.p99(), 1.5 * reference.p99(), perHop.p99() <= 1.5 * reference.p99()));
    }
    Map<String, Object> inflight = (Map<String, Object>) results.get("inflight");
    if (inflight != null) {
      List<Map<String, Object>> rows = (List<Map<String, Object>>) inflight.get("rates");
      Map<String, Object> top = rows.stream().max((a, b) -> Integer.compare((int) a.get("rate_per_s"), (int) b.get("rate_per_s"))).orElseThrow();
      double completions = (double) top.get("completions_per_s");
      long peak = Math.max((long) top.get("peak_in_flight_gauge"), (long) top.get("peak_in_flight_simulator"));
      double p99 = ((Latencies) top.get("_latencies")).p99();
      String at = " (at " + top.get("rate_per_s") + "/s)";
      verdicts.put("completions >= 900/s" + at, verdict(completions, 900, completions >= 900));
      verdicts.put("in flight >= 1000" + at, verdict(peak, 1000, peak >= 1000));
      verdicts.put("p99 < 1500 ms" + at, verdict(p99, 1500, p99 < 1500));
    }
    Map<String, Object> direct = (Map<String, Object>) results.get("direct");
    if (direct != null) {
      // each side's best throughput over the concurrencies run (D-027); every row's ratio is in the report
      for (Map<String, Object> best : (List<Map<String, Object>>) direct.get("best")) {
        if (best.get("target") instanceof Double target) {
          double ratio = (double) best.get("mesh_runs_per_s") / (double) best.get("direct_runs_per_s"); // unrounded
          verdicts.put("mesh/direct >= " + target + " at " + best.get("model_latency_ms") + " ms, best of concurrency "
              + best.get("concurrencies"), verdict(ratio, target, ratio >= target));
        }
      }
    }
    return verdicts;
  }

  private static Map<String, Object> verdict(double value, double limit, boolean met) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("value", Latencies.round(value));
    map.put("limit", Latencies.round(limit));
    map.put("met", met);
    return map;
  }
}
