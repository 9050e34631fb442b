package io.agentmesh.agents.runtime;

import java.util.Base64;
import java.util.BitSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Out-of-order progress of one partition.
 *
 * <p>The committed offset is the lowest fetched offset still unfinished (the safe offset). Records
 * that finished above it have already had their outputs published, in the same transaction that
 * commits this progress; so the commit also carries, as its metadata, which offsets above the safe
 * one are done ({@link #metadata()}). After a crash or a rebalance the next owner reads that
 * metadata back ({@link #restore}) and skips those records: nothing is published twice.
 *
 * <p>The metadata is a bit set relative to the safe offset. The broker caps commit metadata
 * ({@code offset.metadata.max.bytes}, 4096 by default), so a partition whose done records run
 * more than {@link #MAX_GAP} offsets ahead of an unfinished one stops fetching until it catches up.
 */
final class PartitionProgress {

  /** Offsets a partition may run ahead of its oldest unfinished record (about 3.4 KB of metadata). */
  static final int MAX_GAP = 20_000;
  private static final String PREFIX = "mesh1:";

  private final TreeSet<Long> inFlight = new TreeSet<>();
  private final TreeSet<Long> done = new TreeSet<>();
  private long nextToCommit;
  private long committed;
  private String committedMetadata = "";

  private PartitionProgress(long position) {
    this.nextToCommit = position;
    this.committed = position;
  }

  /** Progress starting at a fetch position with nothing known to be done. */
  static PartitionProgress at(long position) {
    return new PartitionProgress(position);
  }

  /** Progress restored from a committed offset and its metadata (offsets done above it). */
  static PartitionProgress restore(long committedOffset, String metadata) {
    PartitionProgress progress = new PartitionProgress(committedOffset);
    progress.done.addAll(decode(committedOffset, metadata));
    progress.committedMetadata = metadata == null ? "" : metadata;
    return progress;
  }

  /** True when the record at this offset was handled and published before: skip it. */
  boolean isDone(long offset) {
    return done.contains(offset);
  }

  void started(long offset) {
    inFlight.add(offset);
  }

  void completed(long offset) {
    inFlight.remove(offset);
    done.add(offset);
    nextToCommit = Math.max(nextToCommit, offset + 1);
  }

  /** The offset a commit may name now: the lowest unfinished one, else one past the last finished. */
  long safeOffset() {
    return inFlight.isEmpty() ? nextToCommit : Math.min(nextToCommit, inFlight.first());
  }

  /** The done offsets at or above the safe offset, encoded for the commit's metadata. */
  String metadata() {
    long safe = safeOffset();
    BitSet bits = new BitSet();
    for (long offset : done.tailSet(safe)) {
      bits.set((int) (offset - safe));
    }
    return bits.isEmpty() ? "" : PREFIX + Base64.getEncoder().encodeToString(bits.toByteArray());
  }

  /** True when a commit would change what is recorded: the safe offset moved or more is done above it. */
  boolean hasProgress() {
    return safeOffset() > committed || !metadata().equals(committedMetadata);
  }

  void markCommitted(long offset, String metadata) {
    committed = Math.max(committed, offset);
    committedMetadata = metadata;
    done.headSet(committed).clear();
  }

  /** How far the records fetched run ahead of the oldest unfinished one. */
  long gap() {
    long highest = Math.max(inFlight.isEmpty() ? 0 : inFlight.last(), done.isEmpty() ? 0 : done.last());
    return inFlight.isEmpty() ? 0 : highest - inFlight.first();
  }

  int inFlightCount() {
    return inFlight.size();
  }

  static Set<Long> decode(long base, String metadata) {
    Set<Long> offsets = new TreeSet<>();
    if (metadata == null || !metadata.startsWith(PREFIX)) {
      return offsets; // no metadata, or written by another consumer: nothing known to be done
    }
    BitSet bits = BitSet.valueOf(Base64.getDecoder().decode(metadata.substring(PREFIX.length())));
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      offsets.add(base + i);
    }
    return offsets;
  }
}
