package io.agentmesh.agents.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Decides what to publish when a {@link RecordHandler} threw: typically a dead letter. */
@FunctionalInterface
public interface FailureHandler {

  /** The outcome for a record whose handler threw {@code error}. */
  Outcome onFailure(ConsumerRecord<byte[], byte[]> record, Throwable error);
}
