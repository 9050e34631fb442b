package io.agentmesh.deployer.replay;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which part of a graph's topics to read: records produced in [{@code from}, {@code to}) by time,
 * and/or offsets [{@code fromOffset}, {@code toOffset}) on every partition. Absent bounds mean the
 * beginning and the end (the last committed record when the read starts).
 */
public record ReadRange(Optional<Instant> from, Optional<Instant> to, OptionalLong fromOffset, OptionalLong toOffset) {

  /** Everything on the topics now. */
  public static final ReadRange ALL = new ReadRange(Optional.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty());

  public ReadRange {
    if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
      throw new IllegalArgumentException("range: from " + from.get() + " must be before to " + to.get());
    }
    if (fromOffset.isPresent() && toOffset.isPresent() && fromOffset.getAsLong() >= toOffset.getAsLong()) {
      throw new IllegalArgumentException("range: from-offset " + fromOffset.getAsLong() + " must be below to-offset "
          + toOffset.getAsLong());
    }
  }

  /** Records produced in [from, to). */
  public static ReadRange between(Instant from, Instant to) {
    return new ReadRange(Optional.of(from), Optional.of(to), OptionalLong.empty(), OptionalLong.empty());
  }

  /** Offsets [from, to) on every partition. */
  public static ReadRange offsets(long from, long to) {
    return new ReadRange(Optional.empty(), Optional.empty(), OptionalLong.of(from), OptionalLong.of(to));
  }

  boolean contains(long timestamp) {
    return from.map(f -> timestamp >= f.toEpochMilli()).orElse(true) && to.map(t -> timestamp < t.toEpochMilli()).orElse(true);
  }
}
