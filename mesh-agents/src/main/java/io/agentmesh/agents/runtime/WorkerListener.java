package io.agentmesh.agents.runtime;

import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** Observes a {@link Worker}: metrics and tests hook in here. Methods must be quick and not throw. */
public interface WorkerListener {

  /** A listener that does nothing. */
  WorkerListener NONE = new WorkerListener() { };

  default void recordStarted(ConsumerRecord<byte[], byte[]> record) { }

  default void recordCompleted(TopicPartition partition, long offset, long handlingNanos) { }

  default void recordDiscarded(TopicPartition partition, long offset) { }

  /** A redelivered record that was already handled and published (per the committed metadata): skipped. */
  default void recordSkipped(TopicPartition partition, long offset) { }

  default void handlerFailed(ConsumerRecord<byte[], byte[]> record, Throwable error) { }

  default void committed(int records, int published) { }

  default void assigned(Set<TopicPartition> partitions) { }
}
