package io.agentmesh.load;

import java.lang.management.ManagementFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * CPU time this JVM used inside a measurement window (broker, registry, simulator, runtime and load
 * generator together; Redis is a child process and not counted): a load-independent cost per run.
 */
final class CpuWindow {

  private final Thread marker;
  private volatile long atStart;
  private volatile long atEnd;

  private CpuWindow(long startNanos, long endNanos) {
    marker = Thread.ofPlatform().name("bench-cpu-window").daemon().start(() -> {
      LockSupport.parkNanos(startNanos - System.nanoTime());
      atStart = processCpuNanos();
      LockSupport.parkNanos(endNanos - System.nanoTime());
      atEnd = processCpuNanos();
    });
  }

  /** Samples the process CPU time at both ends of [startNanos, endNanos) on System.nanoTime()'s clock. */
  static CpuWindow of(long startNanos, long endNanos) {
    return new CpuWindow(startNanos, endNanos);
  }

  /** CPU milliseconds used in the window; waits for its end. */
  double cpuMillis() throws InterruptedException {
    marker.join();
    return (atEnd - atStart) / 1e6;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
