package io.agentmesh.load;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Percentiles of one latency histogram (recorded in microseconds), reported in milliseconds. */
record Latencies(long count, double p50, double p90, double p99, double p999, double max) {

  /** A histogram for 1 µs .. 5 min at three significant digits. */
  static Histogram newHistogram() {
    return new Histogram(1, 300_000_000L, 3);
  }

  /** The percentiles of a histogram of microseconds. */
  static Latencies of(Histogram micros) {
    return new Latencies(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
        ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
  }

  /** The same figures divided by {@code n} (per hop of an {@code n}-hop path). */
  Latencies dividedBy(int n) {
    return new Latencies(count, p50 / n, p90 / n, p99 / n, p999 / n, max / n);
  }

  /** For the JSON report. */
  Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("count", count);
    map.put("p50_ms", round(p50));
    map.put("p90_ms", round(p90));
    map.put("p99_ms", round(p99));
    map.put("p999_ms", round(p999));
    map.put("max_ms", round(max));
    return map;
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
