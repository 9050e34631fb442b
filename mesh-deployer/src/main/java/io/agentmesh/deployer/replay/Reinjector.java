package io.agentmesh.deployer.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.wire.IngressJson;
import io.agentmesh.schemas.avro.Task;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Re-publishes recorded ingress tasks into an ingress topic (the same graph, a new version, or
 * another deployment/prefix), paced by the recorded inter-arrival gaps divided by {@code speed}
 * ({@code 0}: as fast as possible). Bytes, keys and headers are kept, except that with new run
 * ids the key (and a run id written inside an Avro Task or JSON envelope) is replaced, so each
 * task starts a new run; the trace header is dropped so each replayed run gets its own trace.
 */
public final class Reinjector {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Reinjector() {
  }

  /**
   * What was re-published.
   *
   * @param runIds new run id to recorded run id, in publish order
   * @param recordedSpanMs first to last recorded produce time
   * @param elapsedMs first to last publish here
   */
  public record Result(Map<String, String> runIds, long recordedSpanMs, long elapsedMs) {}

  /** Publishes {@code tasks} to {@code targetTopic}; {@code sourceTopic} decodes recorded Avro tasks. */
  public static Result reinject(List<Recording.Ingress> tasks, String bootstrap, WireCodec codec, String sourceTopic,
                                String targetTopic, double speed, boolean newRunIds, Progress progress) {
    return reinject(tasks, bootstrap, codec, sourceTopic, targetTopic, speed, newRunIds, progress, (replayed, recorded) -> { });
  }

  /** As above, telling {@code beforeSend} each (new run id, recorded run id) before its task is published. */
  public static Result reinject(List<Recording.Ingress> tasks, String bootstrap, WireCodec codec, String sourceTopic,
                                String targetTopic, double speed, boolean newRunIds, Progress progress,
                                BiConsumer<String, String> beforeSend) {
    if (speed < 0 || Double.isNaN(speed)) {
      throw new IllegalArgumentException("speed must be 0 (as fast as possible) or above, got " + speed);
    }
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, speed == 0 ? "5" : "0");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    Map<String, String> runIds = new LinkedHashMap<>();
    if (tasks.isEmpty()) {
      return new Result(runIds, 0, 0);
    }
    long firstRecorded = tasks.getFirst().timestamp();
    long recordedSpan = tasks.getLast().timestamp() - firstRecorded;
    long began = System.nanoTime();
    long lastSent = began;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      int done = 0;
      for (Recording.Ingress task : tasks) {
        if (speed > 0) {
          long due = began + (long) ((task.timestamp() - firstRecorded) * 1_000_000L / speed);
          for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
        }
        String runId = newRunIds ? UUID.randomUUID().toString() : task.runId();
        byte[] value = newRunIds ? withRunId(task.value(), runId, codec, sourceTopic, targetTopic) : sameValue(task, codec, sourceTopic, targetTopic);
        byte[] key = newRunIds ? runId.getBytes(StandardCharsets.UTF_8) : task.key();
        RecordHeaders headers = new RecordHeaders();
        task.headers().stream().filter(h -> !h.key().equals("traceparent")).forEach(headers::add);
        beforeSend.accept(runId, task.runId());
        producer.send(new ProducerRecord<>(targetTopic, null, key, value, headers));
        lastSent = System.nanoTime();
        runIds.put(runId, task.runId());
        progress.update("publishing", ++done, tasks.size());
      }
      producer.flush();
    }
    return new Result(runIds, recordedSpan, Duration.ofNanos(lastSent - began).toMillis());
  }

  /** The recorded bytes; an Avro task is re-encoded only when the target topic is another subject. */
  private static byte[] sameValue(Recording.Ingress task, WireCodec codec, String sourceTopic, String targetTopic) {
    if (!WireCodec.looksLikeAvro(task.value()) || sourceTopic.equals(targetTopic)) {
      return task.value();
    }
    return codec.encode(targetTopic, codec.decode(sourceTopic, task.value(), Task.class));
  }

  /** The recorded bytes with the run id inside them replaced, when they carry one. */
  private static byte[] withRunId(byte[] value, String runId, WireCodec codec, String sourceTopic, String targetTopic) {
    if (WireCodec.looksLikeAvro(value)) {
      Task task = codec.decode(sourceTopic, value, Task.class);
      if (task.getRunId() != null) {
        task.setRunId(runId);
      }
      return codec.encode(targetTopic, task);
    }
    try {
      if (IngressJson.parse(value).runId().isPresent()) {
        ObjectNode envelope = (ObjectNode) JSON.readTree(value);
        envelope.put("runId", runId);
        return JSON.writeValueAsBytes(envelope);
      }
    } catch (RuntimeException | java.io.IOException notAnEnvelope) {
      // published as recorded; the key carries the new run id
    }
    return value;
  }
}
