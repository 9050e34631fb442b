package io.agentmesh.agents.runtime;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What handling one record produced: the records to publish with its offset, and an action to run
 * once that transaction committed (for example moving the run record to its final status).
 */
public record Outcome(List<ProducerRecord<byte[], byte[]>> records, Runnable afterCommit, boolean redeliver) {

  private static final Runnable NOTHING = () -> { };

  public Outcome {
    records = List.copyOf(Objects.requireNonNull(records, "records"));
    Objects.requireNonNull(afterCommit, "afterCommit");
  }

  /** Records to publish and an action after the commit. */
  public Outcome(List<ProducerRecord<byte[], byte[]>> records, Runnable afterCommit) {
    this(records, afterCommit, false);
  }

  /**
   * Nothing could be decided for the record (even its dead letter could not be built, say the
   * registry is down): the worker rewinds to its committed offsets and the record comes again.
   */
  static Outcome redeliverLater() {
    return new Outcome(List.of(), NOTHING, true);
  }

  /** Publish these records; nothing to do after the commit. */
  public static Outcome of(List<ProducerRecord<byte[], byte[]>> records) {
    return new Outcome(records, NOTHING);
  }

  /** Nothing to publish (a duplicate already handled): just move the offset. */
  public static Outcome none() {
    return new Outcome(List.of(), NOTHING);
  }

  /** The same records with an action to run after the commit. */
  public Outcome thenAfterCommit(Runnable action) {
    Runnable previous = afterCommit;
    return new Outcome(records, () -> {
      previous.run();
      action.run();
    }, redeliver);
  }
}
