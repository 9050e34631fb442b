package io.agentmesh.load;

import io.agentmesh.infra.HostCpu;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CPU time this JVM used inside a measurement window (broker, registry, simulator, runtime and load
 * generator together; Redis is a child process and not counted): a load-independent cost per run.
 * With a Redis URI, also what Redis did in the window by its own counters ({@code INFO}): its CPU
 * time and the commands it ran (a Lua script counts as one, plus the calls it makes inside). And
 * the share of the machine's CPU the hypervisor gave other guests in the window (steal), the CPU by
 * component ({@link ThreadCpu}), and the requests the embedded broker answered.
 */
final class CpuWindow {

  private static final Logger LOG = LoggerFactory.getLogger(CpuWindow.class);
  private final Thread marker;
  private volatile long atStart;
  private volatile long atEnd;
  private volatile RedisCounters redisAtStart;
  private volatile RedisCounters redisAtEnd;
  private volatile HostCpu hostAtStart;
  private volatile HostCpu hostAtEnd;
  private volatile ThreadCpu threadsAtStart;
  private volatile ThreadCpu threadsAtEnd;
  private volatile Map<String, Long> requestsAtStart;
  private volatile Map<String, Long> requestsAtEnd;

  private CpuWindow(long startNanos, long endNanos, String redisUri) {
    marker = Thread.ofPlatform().name("bench-cpu-window").daemon().start(() -> {
      RedisClient client = redisUri == null ? null : RedisClient.create(RedisURI.create(redisUri));
      StatefulRedisConnection<String, String> redis = client == null ? null : connect(client);
      try {
        LockSupport.parkNanos(startNanos - System.nanoTime());
        atStart = processCpuNanos();
        threadsAtStart = ThreadCpu.now();
        requestsAtStart = brokerRequests();
        hostAtStart = HostCpu.now();
        redisAtStart = RedisCounters.of(redis);
        LockSupport.parkNanos(endNanos - System.nanoTime());
        atEnd = processCpuNanos();
        threadsAtEnd = ThreadCpu.now();
        requestsAtEnd = brokerRequests();
        hostAtEnd = HostCpu.now();
        redisAtEnd = RedisCounters.of(redis);
      } finally {
        if (client != null) {
          client.shutdown(); // closes the connection too
        }
      }
    });
  }

  /** A connection for the Redis counters, or null (they are then left out) when Redis cannot be reached. */
  private static StatefulRedisConnection<String, String> connect(RedisClient client) {
    try {
      return client.connect();
    } catch (RuntimeException e) {
      LOG.warn("Redis's counters are left out of the report: {}", e.toString());
      return null;
    }
  }

  /** Samples the process CPU time at both ends of [startNanos, endNanos) on System.nanoTime()'s clock. */
  static CpuWindow of(long startNanos, long endNanos) {
    return new CpuWindow(startNanos, endNanos, null);
  }

  /** As {@link #of(long, long)}, and Redis's CPU time and command counts at both ends too. */
  static CpuWindow of(long startNanos, long endNanos, String redisUri) {
    return new CpuWindow(startNanos, endNanos, redisUri);
  }

  /** CPU milliseconds used in the window; waits for its end. */
  double cpuMillis() throws InterruptedException {
    marker.join();
    return (atEnd - atStart) / 1e6;
  }

  /**
   * The percentage of the machine's CPU time in the window that the hypervisor stole for other
   * guests, or null where {@code /proc/stat} cannot be read. Waits for the window's end.
   */
  Double stealPercent() throws InterruptedException {
    marker.join();
    return HostCpu.stealPercent(hostAtStart, hostAtEnd);
  }

  /**
   * The percentage of the machine's CPU time in the window that its processes used (neither idle
   * nor stolen), or null where {@code /proc/stat} cannot be read: near 100, the window's throughput
   * was bound by the cores. Waits for the window's end.
   */
  Double busyPercent() throws InterruptedException {
    marker.join();
    return HostCpu.busyPercent(hostAtStart, hostAtEnd);
  }

  /** CPU ms per run in the window by component, largest first ({@link ThreadCpu}). Waits for the window's end. */
  Map<String, Double> byThreadPerRun(long runs) throws InterruptedException {
    marker.join();
    return threadsAtEnd.msPerRunSince(threadsAtStart, (atEnd - atStart) / 1e6, runs);
  }

  /**
   * The process's CPU per run over the simulator's event loops' CPU per run: a cost that does not
   * change with the host's speed (the simulator does the same work per run on either side, see
   * {@link ThreadCpu}); null when the simulator took no CPU in the window. Waits for the window's end.
   */
  Double inSimulatorUnits() throws InterruptedException {
    marker.join();
    long simulator = threadsAtEnd.nanosByGroup().getOrDefault(ThreadCpu.SIMULATOR, 0L)
        - threadsAtStart.nanosByGroup().getOrDefault(ThreadCpu.SIMULATOR, 0L);
    return simulator <= 0 ? null : Latencies.round((atEnd - atStart) / (double) simulator);
  }

  /**
   * Where a mesh pass's CPU went, as both mesh benchmarks report it: the CPU per run in simulator
   * units, by thread group, and the broker's requests per run. Waits for the window's end.
   */
  Map<String, Object> meshBreakdown(long runs) throws InterruptedException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cpu_in_simulator_units", inSimulatorUnits());
    out.put("cpu_ms_per_run_by_thread", byThreadPerRun(runs));
    out.put("broker_requests_per_run", brokerRequestsPerRun(runs));
    return out;
  }

  /** Requests the embedded broker answered in the window per run, by type (produce, fetch); empty without one. */
  Map<String, Double> brokerRequestsPerRun(long runs) throws InterruptedException {
    marker.join();
    Map<String, Double> out = new LinkedHashMap<>();
    if (runs > 0) {
      requestsAtEnd.forEach((type, count) -> out.put(type, Latencies.round((count - requestsAtStart.getOrDefault(type, 0L)) / (double) runs)));
    }
    return out;
  }

  /**
   * The embedded broker's request counts by type (its {@code RequestMetrics} meters, all versions
   * summed): produce and consumer fetch requests. Empty when no broker runs in this JVM.
   */
  private static Map<String, Long> brokerRequests() {
    Map<String, Long> counts = new LinkedHashMap<>();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    for (String type : new String[] {"Produce", "FetchConsumer"}) {
      try {
        for (ObjectName name : server.queryNames(new ObjectName(
            "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=" + type + ",*"), null)) {
          counts.merge(type, ((Number) server.getAttribute(name, "Count")).longValue(), Long::sum);
        }
      } catch (JMException e) {
        LOG.warn("the broker's {} request count is left out of the report: {}", type, e.toString());
      }
    }
    return counts;
  }

  /**
   * Redis's CPU ms, commands (total, and the scripts among them: {@code EVALSHA} + {@code EVAL}) and
   * socket reads ({@code total_reads_processed}: fewer than commands when clients' commands arrive
   * together) per run in the window; empty without a Redis URI. Waits for the window's end.
   */
  Map<String, Object> redisPerRun(long runs) throws InterruptedException {
    marker.join();
    Map<String, Object> out = new LinkedHashMap<>();
    if (redisAtStart == null || redisAtEnd == null || runs == 0) {
      return out;
    }
    out.put("redis_cpu_ms_per_run", Latencies.round((redisAtEnd.cpuSeconds() - redisAtStart.cpuSeconds()) * 1000 / runs));
    out.put("redis_commands_per_run", Latencies.round((redisAtEnd.commands() - redisAtStart.commands()) / (double) runs));
    out.put("redis_scripts_per_run", Latencies.round((redisAtEnd.scripts() - redisAtStart.scripts()) / (double) runs));
    out.put("redis_reads_per_run", Latencies.round((redisAtEnd.reads() - redisAtStart.reads()) / (double) runs));
    return out;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Redis's cumulative counters at one moment. */
  private record RedisCounters(double cpuSeconds, long commands, long scripts, long reads) {

    /** The counters now, or null (left out of the report) without a connection or when INFO cannot be read. */
    static RedisCounters of(StatefulRedisConnection<String, String> redis) {
      if (redis == null) {
        return null;
      }
      try {
        Map<String, String> fields = fields(redis.sync().info("cpu") + redis.sync().info("stats"));
        String commandStats = redis.sync().info("commandstats");
        return new RedisCounters(
            Double.parseDouble(fields.get("used_cpu_user")) + Double.parseDouble(fields.get("used_cpu_sys")),
            Long.parseLong(fields.get("total_commands_processed")),
            calls(commandStats, "evalsha") + calls(commandStats, "eval"),
            Long.parseLong(fields.getOrDefault("total_reads_processed", "0")));
      } catch (RuntimeException e) {
        LOG.warn("Redis's counters are left out of the report: {}", e.toString());
        return null;
      }
    }

    private static Map<String, String> fields(String info) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String line : info.split("\r?\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith("#")) {
          fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
      }
      return fields;
    }

    /** {@code cmdstat_<command>:calls=N,...} of INFO commandstats; 0 when the command never ran. */
    private static long calls(String commandStats, String command) {
      String value = fields(commandStats).get("cmdstat_" + command);
      if (value == null) {
        return 0;
      }
      for (String part : value.split(",")) {
        if (part.startsWith("calls=")) {
          return Long.parseLong(part.substring("calls=".length()));
        }
      }
      return 0;
    }
  }
}
