package io.agentmesh.agents.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a worker does with one record: runs on its own virtual thread, may block (model calls,
 * Redis), and returns everything to publish for it. The worker publishes those records and
 * commits the record's offset in one Kafka transaction, so outputs and progress never diverge.
 */
@FunctionalInterface
public interface RecordHandler {

  /** Handles one record; an exception here is a bug in the handler and dead-letters the record. */
  Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception;
}
