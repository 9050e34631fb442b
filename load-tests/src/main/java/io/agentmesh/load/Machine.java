package io.agentmesh.load;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the numbers were measured on: cores, memory, JDK, load average. */
final class Machine {

  private Machine() {}

  /** The 1-minute load average, or -1 where the platform has none. */
  static double loadAverage() {
    return Latencies.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
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
