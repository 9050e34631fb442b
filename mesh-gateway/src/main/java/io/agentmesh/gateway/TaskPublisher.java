package io.agentmesh.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes tasks to ingress topics. {@code KafkaProducer.send} may block (metadata, full buffer),
 * so it is called on a virtual thread, never on an event loop; the acknowledgement completes the
 * future back on the caller's context.
 */
final class TaskPublisher implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

  TaskPublisher(String bootstrap) {
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 1,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
        ProducerConfig.CLIENT_ID_CONFIG, "mesh-gateway"),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Publishes one task keyed by run id; the future completes on {@code context}. */
  Future<Void> publish(Context context, String topic, String runId, byte[] value, String traceparent) {
    Promise<Void> promise = Promise.promise();
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, runId.getBytes(StandardCharsets.UTF_8), value);
    record.headers().add(new RecordHeader("mesh-from-node", "START".getBytes(StandardCharsets.UTF_8)));
    if (traceparent != null) {
      record.headers().add(new RecordHeader("traceparent", traceparent.getBytes(StandardCharsets.US_ASCII)));
    }
    try {
      senders.execute(() -> {
        try {
          producer.send(record, (metadata, error) -> context.runOnContext(v -> {
            if (error == null) {
              promise.tryComplete();
            } else {
              promise.tryFail(error);
            }
          }));
        } catch (RuntimeException e) {
          context.runOnContext(v -> promise.tryFail(e));
        }
      });
    } catch (RuntimeException rejected) { // closed
      promise.tryFail(rejected);
    }
    return promise.future();
  }

  @Override
  public void close() {
    senders.shutdown();
    producer.close(Duration.ofSeconds(5));
  }
}
