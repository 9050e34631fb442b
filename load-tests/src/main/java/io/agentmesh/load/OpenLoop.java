package io.agentmesh.load;

import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop arrivals: the i-th request is due at {@code start + i / rate}, whatever happened to the
 * ones before it, and its latency is measured from that intended time, so a stalled system is
 * charged for every request it delayed (no coordinated omission). Bounded in count and in time.
 */
final class OpenLoop {

  /** Sends one request; {@code intendedNanos} is its scheduled start on {@link System#nanoTime()}'s clock. */
  @FunctionalInterface
  interface Sender {
    void send(long index, long intendedNanos);
  }

  private OpenLoop() {}

  /**
   * Sends {@code count} requests at {@code ratePerSecond} starting at {@code startNanos}; gives up
   * (returning how many went) if sending falls more than {@code maxLagNanos} behind schedule.
   */
  static long run(double ratePerSecond, long count, long startNanos, long maxLagNanos, Sender sender) {
    double periodNanos = 1e9 / ratePerSecond;
    for (long i = 0; i < count; i++) {
      long intended = startNanos + (long) (i * periodNanos);
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (-wait > maxLagNanos) {
        return i; // the generator itself cannot keep up: stop rather than report a lie
      }
      sender.send(i, intended);
    }
    return count;
  }
}
