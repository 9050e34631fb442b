package io.agentmesh.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's cumulative CPU ticks from {@code /proc/stat} (Linux): all states together, the
 * ticks the hypervisor gave other guests (steal) and the idle ones. On a virtual machine whose host
 * is busy, steal is CPU time the benchmarks wanted and did not get, so they report it next to what
 * they measured; the rest that was not idle says whether a window kept the machine's cores busy
 * (its throughput bound by CPU) or left them waiting (bound by latency).
 *
 * @param total the ticks of every state, user to steal (guest time is inside user)
 * @param steal the stolen ticks
 * @param idle the idle ticks, waiting for I/O included
 */
public record HostCpu(long total, long steal, long idle) {

  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** The ticks now, or null where {@code /proc/stat} cannot be read (not Linux). */
  public static HostCpu now() {
    try {
      for (String line : Files.readAllLines(PROC_STAT)) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          long total = 0;
          for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
          }
          return new HostCpu(total, f.length > 8 ? Long.parseLong(f[8]) : 0,
              Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0));
        }
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The share of the ticks between {@code earlier} and these that were stolen, in percent (0 when none passed). */
  public double stealPercentSince(HostCpu earlier) {
    long passed = total - earlier.total;
    return passed <= 0 ? 0 : 100.0 * (steal - earlier.steal) / passed;
  }

  /**
   * The share of the ticks between {@code earlier} and these that this machine's processes used
   * (neither idle nor stolen), in percent (0 when none passed): near 100 the cores were the limit.
   */
  public double busyPercentSince(HostCpu earlier) {
    long passed = total - earlier.total;
    return passed <= 0 ? 0 : 100.0 * (passed - (idle - earlier.idle) - (steal - earlier.steal)) / passed;
  }

  /** The steal between two readings in percent, rounded to 0.01; null when either is null. */
  public static Double stealPercent(HostCpu from, HostCpu to) {
    return from == null || to == null ? null : Math.round(to.stealPercentSince(from) * 100) / 100.0;
  }

  /** The busy share between two readings in percent, rounded to 0.01; null when either is null. */
  public static Double busyPercent(HostCpu from, HostCpu to) {
    return from == null || to == null ? null : Math.round(to.busyPercentSince(from) * 100) / 100.0;
  }
}
