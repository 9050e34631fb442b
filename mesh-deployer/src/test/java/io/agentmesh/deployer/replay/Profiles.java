package io.agentmesh.deployer.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Hand-made profiles for tests that need no broker. */
final class Profiles {

  private Profiles() {
  }

  static Profile.Distribution around(long millis, int count) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < count; i++) {
      h.recordValue(millis + (i % 7));
    }
    return Profiler.summary(h);
  }

  /** fast (50 ms) -> slow (200 ms), {@code runs} runs at 10/s; the fast->slow edge's transit is {@code transitMs}. */
  static Profile twoNodes(int runs, long transitMs) {
    Map<String, Profile.NodeProfile> nodes = new LinkedHashMap<>();
    nodes.put("fast", new Profile.NodeProfile("fast", runs, 1.0, around(50, runs), around(3, runs), around(48, runs), 900, 1200, 0, 0, 0));
    nodes.put("slow", new Profile.NodeProfile("slow", runs, 1.0, around(200, runs), around(5, runs), around(198, runs), 1500, 2000, 1, 2, 0));
    Map<String, Profile.EdgeProfile> edges = new LinkedHashMap<>();
    edges.put("fast->slow", new Profile.EdgeProfile("fast", "slow", runs, runs * 400L, around(transitMs, runs)));
    List<Profile.RunProfile> slowest = new ArrayList<>();
    long t0 = 1_700_000_000_000L;
    for (int i = 0; i < 5; i++) {
      long start = t0 + i * 100;
      slowest.add(new Profile.RunProfile("run-" + i, "SUCCEEDED", start, start + 300 - i * 5, 300 - i * 5, List.of(
          new Profile.Step("fast", start, start + 3, start + 55), new Profile.Step("slow", start + 55, start + 60 + transitMs,
              start + 260 + transitMs))));
    }
    List<Long> arrivals = new ArrayList<>();
    List<Long> completions = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      arrivals.add(i < 9 ? 3L : 0L);
      completions.add(i == 0 ? 0L : 3L);
    }
    return new Profile("demo", t0, t0 + 3000, runs, runs, 0, nodes, edges, around(300, runs), slowest,
        new Profile.Throughput(t0, 300, arrivals, completions, 10, 10, 10));
  }
}
