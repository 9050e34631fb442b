package io.agentmesh.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU time of this JVM's live threads at one moment, summed by component (the thread name
 * says which: the broker's request handlers, the workers' poll threads, Lettuce's event loop, ...).
 * Two snapshots give where a window's CPU went. A virtual thread's time is its carrier's (the
 * {@code ForkJoinPool} workers); a thread that ends inside the window takes its time with it; GC,
 * JIT compiler and other VM threads are not Java threads here, so the process's CPU minus the sum
 * is theirs.
 *
 * <p>The model simulator's event loops do the same work per run wherever they run, so CPU per run
 * divided by theirs does not change with the host's speed (BENCHMARKS.md Run N): the
 * {@link #SIMULATOR} group is the yardstick.
 */
record ThreadCpu(Map<String, Long> nanosByGroup) {

  /** The simulator's (and the schema registry's) Vert.x event loops. */
  static final String SIMULATOR = "simulator and registry (vert.x event loops)";

  /** First match wins: a fragment of the thread's name, and its group. */
  private static final List<Map.Entry<String, String>> GROUPS = List.of(
      Map.entry("kafka-request-handler", "broker request handlers"),
      Map.entry("kafka-network-thread", "broker network threads"),
      Map.entry("kafka-producer-network-thread", "Kafka producers' I/O threads"),
      Map.entry("consumer_background_thread", "Kafka consumers' background threads"),
      Map.entry("mesh-worker-", "workers' poll threads"),
      Map.entry("lettuce-", "Lettuce (Redis client) threads"),
      Map.entry("vert.x-eventloop-thread", SIMULATOR),
      Map.entry("delayScheduler", "virtual threads' timers"),
      Map.entry("ForkJoinPool-", "virtual threads (handlers, model calls, harness)"),
      Map.entry("ForkJoinPool.commonPool", "fork-join common pool (asynchronous callbacks)"),
      Map.entry("HttpClient-", "JDK HttpClient selectors"),
      Map.entry("bench-", "benchmark harness threads"));
  /** Names of the broker's and controller's other threads (reapers, schedulers, coordinators, raft). */
  private static final List<String> BROKER_FRAGMENTS = List.of("ExpirationReaper", "kafka-scheduler", "coordinator",
      "raft", "quorum-controller", "metadata-loader", "reaper", "kafka-log-cleaner", "LogDirFailureHandler",
      "data-plane-kafka", "controller-", "broker-", "kafka-");

  /** The component a thread of this name belongs to. */
  static String group(String threadName) {
    for (Map.Entry<String, String> g : GROUPS) {
      if (threadName.contains(g.getKey())) {
        return g.getValue();
      }
    }
    for (String fragment : BROKER_FRAGMENTS) {
      if (threadName.contains(fragment)) {
        return "broker, other threads";
      }
    }
    return "other threads";
  }

  /** Every live thread's CPU time now, by group. */
  static ThreadCpu now() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> byGroup = new TreeMap<>();
    for (long id : threads.getAllThreadIds()) {
      ThreadInfo info = threads.getThreadInfo(id);
      long nanos = threads.getThreadCpuTime(id);
      if (info != null && nanos > 0) {
        byGroup.merge(group(info.getThreadName()), nanos, Long::sum);
      }
    }
    return new ThreadCpu(byGroup);
  }

  /**
   * CPU ms per run of each group between {@code start} and this snapshot, largest first, and
   * {@code "VM (GC, JIT) and ended threads"}: the process's CPU not found in any live thread.
   */
  Map<String, Double> msPerRunSince(ThreadCpu start, double processCpuMillis, long runs) {
    Map<String, Long> delta = new TreeMap<>();
    nanosByGroup.forEach((group, nanos) -> delta.put(group, nanos - start.nanosByGroup.getOrDefault(group, 0L)));
    Map<String, Double> out = new LinkedHashMap<>();
    if (runs == 0) {
      return out;
    }
    delta.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), Latencies.round(e.getValue() / 1e6 / runs)));
    double inThreads = delta.values().stream().mapToLong(Long::longValue).sum() / 1e6;
    out.put("VM (GC, JIT) and ended threads", Latencies.round(Math.max(0, processCpuMillis - inThreads) / runs));
    return out;
  }
}
