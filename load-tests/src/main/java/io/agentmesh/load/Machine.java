package io.agentmesh.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the numbers were measured on: cores, memory, JDK, load average, CPU taken by the hypervisor. */
final class Machine {

  private Machine() {}

  /** The 1-minute load average, or -1 where the platform has none. */
  static double loadAverage() {
    return Latencies.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /**
   * The machine's CPU ticks so far, all states together and those stolen by the hypervisor for
   * other guests ({@code /proc/stat}, Linux); null where they cannot be read. On a virtual machine
   * whose host is busy, steal is CPU time the benchmark wanted and did not get.
   */
  static CpuTicks cpuTicks() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          long total = 0;
          for (int i = 1; i < Math.min(f.length, 9); i++) { // user .. steal; guest time is inside user
            total += Long.parseLong(f[i]);
          }
          return new CpuTicks(total, f.length > 8 ? Long.parseLong(f[8]) : 0);
        }
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Cumulative CPU ticks of the machine: all of them, and the stolen ones. */
  record CpuTicks(long total, long steal) {

    /** The share of the ticks between {@code earlier} and this that were stolen, in percent. */
    double stealPercentSince(CpuTicks earlier) {
      long total = this.total - earlier.total;
      return total <= 0 ? 0 : Latencies.round(100.0 * (steal - earlier.steal) / total);
    }
  }

  /** A description of this machine and JVM for the JSON report. */
  static Map<String, Object> describe() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("date", Instant.now().toString());
    map.put("cpus", Runtime.getRuntime().availableProcessors());
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    map.put("memory_total_mib", os.getTotalMemorySize() / (1024 * 1024));
    map.put("memory_free_mib", os.getFreeMemorySize() / (1024 * 1024));
    map.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    map.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
    map.put("heap_max_mib", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    map.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
    map.put("load_average_1m_at_start", loadAverage());
    return map;
  }
}
