package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.Attempt;
import io.agentmesh.agents.model.RetriesExhaustedException;
import io.agentmesh.schemas.avro.AttemptRecord;
import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/** Builds the dead letter of a record: its original bytes and headers, where it came from, and why it failed. */
final class DeadLetters {

  private DeadLetters() {}

  static ProducerRecord<byte[], byte[]> of(ConsumerRecord<byte[], byte[]> record, String graph, String node, String runId,
                                           Throwable error, String dlqTopic, WireCodec codec, Clock clock) {
    Instant now = clock.instant();
    Map<String, ByteBuffer> headers = new HashMap<>();
    for (Header header : record.headers()) {
      headers.put(header.key(), ByteBuffer.wrap(header.value() == null ? new byte[0] : header.value()));
    }
    List<AttemptRecord> attempts = new ArrayList<>();
    if (error instanceof RetriesExhaustedException exhausted) {
      for (Attempt attempt : exhausted.attempts()) {
        attempts.add(new AttemptRecord(attempt.number(), attempt.startedAt().plus(attempt.latency()),
            attempt.failure() == null ? "none" : attempt.failure(), attempt.detail()));
      }
    }
    if (attempts.isEmpty()) {
      attempts.add(new AttemptRecord(1, now, error.getClass().getName(), error.getMessage()));
    }
    DeadLetter letter = DeadLetter.newBuilder()
        .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
        .setOriginalHeaders(headers)
        .setSourceTopic(record.topic())
        .setSourcePartition(record.partition())
        .setSourceOffset(record.offset())
        .setRunId(runId)
        .setGraph(graph)
        .setNode(node)
        .setErrorClass(error.getClass().getName())
        .setErrorMessage(error.getMessage())
        .setAttempts(attempts)
        .setFirstFailureAt(attempts.getFirst().getTimestamp())
        .setDeadLetteredAt(now)
        .build();
    byte[] key = runId == null ? record.key() : runId.getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(dlqTopic, key, codec.encode(dlqTopic, letter));
  }
}
