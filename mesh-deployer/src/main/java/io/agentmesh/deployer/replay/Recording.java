package io.agentmesh.deployer.replay;

import io.agentmesh.core.wire.IngressJson;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.Task;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What crossed one graph's topics in a range, decoded: ingress tasks (kept as the recorded bytes),
 * hops, run events, results and dead-letter counts. The input of the profiler, the re-injector and
 * deterministic replay.
 *
 * @param graph the graph name
 * @param ingress recorded tasks, by produce time
 * @param hops recorded edge messages
 * @param events recorded run events
 * @param results recorded run results
 * @param deadLetters messages per node dead-letter topic
 */
public record Recording(String graph, List<Ingress> ingress, List<HopRecord> hops, List<EventRecord> events,
                        List<ResultRecord> results, Map<String, Long> deadLetters) {

  public Recording {
    ingress = ingress.stream().sorted(Comparator.comparingLong(Ingress::timestamp)).toList();
    hops = List.copyOf(hops);
    events = List.copyOf(events);
    results = List.copyOf(results);
    deadLetters = Map.copyOf(deadLetters);
  }

  /** One recorded task on the ingress topic: its bytes, key and headers as produced, and its run id. */
  public record Ingress(int partition, long offset, long timestamp, byte[] key, byte[] value, List<Header> headers, String runId) {}

  /** One recorded hop: its produce time, size and traceparent header. */
  public record HopRecord(long timestamp, int bytes, Hop hop, String traceparent) {}

  /** One recorded run event; its traceparent header is that of the hop the node was handling. */
  public record EventRecord(long timestamp, RunEvent event, String traceparent) {}

  /** One recorded run result. */
  public record ResultRecord(long timestamp, RunResult result) {}

  /** Reads a graph's topics over {@code range}; see {@link TopicReader} for how (no consumer group). */
  public static Recording read(String bootstrap, String registryUrl, TopicNames names, String graph, ReadRange range,
                               Progress progress) {
    WireCodec codec = WireCodec.forRegistry(registryUrl);
    String edgePrefix = names.edge("x", "y");
    edgePrefix = edgePrefix.substring(0, edgePrefix.length() - "x.y".length());
    String dlqPrefix = names.dlq("x");
    dlqPrefix = dlqPrefix.substring(0, dlqPrefix.length() - 1);
    List<String> topics = new ArrayList<>();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      for (String topic : admin.listTopics().names().get()) {
        if (topic.equals(names.ingress()) || topic.equals(names.results()) || topic.equals(names.events())
            || topic.startsWith(edgePrefix) || topic.startsWith(dlqPrefix)) {
          topics.add(topic);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics at " + bootstrap + ": " + e.getCause().getMessage(), e.getCause());
    }
    if (!topics.contains(names.ingress())) {
      throw new IllegalArgumentException("graph '" + graph + "' has no topic " + names.ingress() + " at " + bootstrap);
    }
    List<Ingress> ingress = new ArrayList<>();
    List<HopRecord> hops = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    List<ResultRecord> results = new ArrayList<>();
    Map<String, Long> deadLetters = new TreeMap<>();
    String edges = edgePrefix;
    String dlqs = dlqPrefix;
    TopicReader.read(bootstrap, topics, range, progress, record -> {
      String topic = record.topic();
      if (topic.equals(names.ingress())) {
        ingress.add(new Ingress(record.partition(), record.offset(), record.timestamp(), record.key(), record.value(),
            List.of(record.headers().toArray()), ingressRunId(codec, record)));
      } else if (topic.startsWith(edges)) {
        hops.add(new HopRecord(record.timestamp(), record.value().length, codec.decode(topic, record.value(), Hop.class),
            header(record, "traceparent")));
      } else if (topic.equals(names.events())) {
        events.add(new EventRecord(record.timestamp(), codec.decode(topic, record.value(), RunEvent.class), header(record, "traceparent")));
      } else if (topic.equals(names.results())) {
        results.add(new ResultRecord(record.timestamp(), codec.decode(topic, record.value(), RunResult.class)));
      } else if (topic.startsWith(dlqs)) {
        deadLetters.merge(topic.substring(dlqs.length()), 1L, Long::sum);
      }
    });
    return new Recording(graph, ingress, hops, events, results, deadLetters);
  }

  /** The run id the mesh gives a task, as the runtime derives it (Task/envelope run id, else key, else place). */
  static String ingressRunId(WireCodec codec, ConsumerRecord<byte[], byte[]> record) {
    Optional<String> declared;
    try {
      declared = WireCodec.looksLikeAvro(record.value())
          ? Optional.ofNullable(codec.decode(record.topic(), record.value(), Task.class).getRunId())
          : IngressJson.parse(record.value()).runId();
    } catch (RuntimeException undecodable) {
      declared = Optional.empty();
    }
    return declared.filter(id -> !id.isBlank()).orElseGet(() -> record.key() != null && record.key().length > 0
        ? new String(record.key(), StandardCharsets.UTF_8)
        : UUID.nameUUIDFromBytes((record.topic() + "/" + record.partition() + "/" + record.offset())
            .getBytes(StandardCharsets.UTF_8)).toString());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }
}
