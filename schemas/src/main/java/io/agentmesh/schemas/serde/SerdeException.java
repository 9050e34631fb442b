package io.agentmesh.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Base of every error the Avro serde and the registry client raise.
 *
 * <p>It is a Kafka {@link SerializationException}, so a consumer reports it with the record's
 * topic, partition and offset (as a {@code RecordDeserializationException}). {@link #retriable()}
 * tells a failure that may pass (registry unreachable) from one that will not (bad bytes).
 */
public class SerdeException extends SerializationException {

  /** A fatal serde error. */
  public SerdeException(String message) {
    super(message);
  }

  /** A fatal serde error with its cause. */
  public SerdeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether trying again later may succeed. */
  public boolean retriable() {
    return false;
  }
}
