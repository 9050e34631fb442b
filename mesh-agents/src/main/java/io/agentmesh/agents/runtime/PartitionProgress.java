package io.agentmesh.agents.runtime;

import java.util.TreeSet;

/**
 * Out-of-order progress of one partition: which fetched offsets are still being processed, and
 * the offset that is safe to commit — the lowest one still in flight, or one past the highest
 * fetched when none is. Records completed above an unfinished one are redelivered after a crash;
 * their checkpoints make that cheap (no second model call).
 */
final class PartitionProgress {

  private final TreeSet<Long> inFlight = new TreeSet<>();
  private long nextToCommit;
  private long committed;

  PartitionProgress(long position) {
    this.nextToCommit = position;
    this.committed = position;
  }

  void started(long offset) {
    inFlight.add(offset);
    nextToCommit = Math.max(nextToCommit, inFlight.first());
  }

  void completed(long offset) {
    inFlight.remove(offset);
    nextToCommit = Math.max(nextToCommit, offset + 1);
  }

  /** The offset a commit may name now. */
  long safeOffset() {
    return inFlight.isEmpty() ? nextToCommit : Math.min(nextToCommit, inFlight.first());
  }

  /** True when {@link #safeOffset()} moved past the last commit. */
  boolean hasProgress() {
    return safeOffset() > committed;
  }

  void markCommitted(long offset) {
    committed = Math.max(committed, offset);
  }

  int inFlightCount() {
    return inFlight.size();
  }
}
