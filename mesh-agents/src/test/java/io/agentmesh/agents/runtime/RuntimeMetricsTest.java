package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.agents.model.Attempt;
import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.ChatRequest;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.agents.model.ModelServerException;
import io.agentmesh.agents.model.RetriesExhaustedException;
import io.agentmesh.agents.model.Usage;
import io.agentmesh.core.metrics.MeshMetric;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RuntimeMetricsTest {

  private static final List<MeshMetric> RUNTIME = Arrays.stream(MeshMetric.values())
      .filter(m -> !m.metricName().startsWith("mesh.gateway.")).toList();
  private static final ChatRequest ASK = ChatRequest.builder().user("hello").build();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RuntimeMetrics metrics = new RuntimeMetrics(registry, "g");

  @Test
  void anAnsweredRequestRecordsItsLatencyRetriesAndTokensUnderTheNodeAndModel() throws Exception {
    ChatModel model = metrics.metered("ask", "fast", () -> request -> answer(Duration.ofMillis(5), 3, new Usage(7, 11)));

    model.complete(ASK);

    var latency = registry.get(MeshMetric.MODEL_LATENCY.metricName()).tags("graph", "g", "node", "ask", "model", "fast").timer();
    assertThat(latency.count()).isEqualTo(1);
    assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(5.0);
    assertThat(count(MeshMetric.MODEL_RETRIES, "node", "ask", "model", "fast")).isEqualTo(2);
    assertThat(count(MeshMetric.MODEL_TOKENS, "node", "ask", "model", "fast", "direction", "in")).isEqualTo(7);
    assertThat(count(MeshMetric.MODEL_TOKENS, "node", "ask", "model", "fast", "direction", "out")).isEqualTo(11);
  }

  @Test
  void aRequestThatGaveUpCountsItsRetriesAndNoLatency() {
    List<Attempt> attempts = List.of(failed(1), failed(2), failed(3));
    ChatModel model = metrics.metered("ask", "down", () -> request -> {
      throw new RetriesExhaustedException("down", attempts, new ModelServerException("down", 500, "boom"));
    });

    assertThatThrownBy(() -> model.complete(ASK)).isInstanceOf(RetriesExhaustedException.class);

    assertThat(registry.get(MeshMetric.MODEL_LATENCY.metricName()).tags("node", "ask", "model", "down").timer().count()).isZero();
    assertThat(count(MeshMetric.MODEL_RETRIES, "node", "ask", "model", "down")).isEqualTo(2);
  }

  @Test
  void theModelIsLookedUpAtEachCallNotWhenTheNodeIsBound() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    ChatModel model = metrics.metered("ask", "lazy", () -> {
      lookups.incrementAndGet();
      return request -> answer(Duration.ofMillis(1), 1, Usage.NONE);
    });
    assertThat(lookups).hasValue(0);

    model.complete(ASK);
    model.complete(ASK);

    assertThat(lookups).hasValue(2);
    assertThat(count(MeshMetric.MODEL_RETRIES, "node", "ask", "model", "lazy")).isZero();
  }

  @Test
  void everyRuntimeMeterIsInTheCatalogueWithItsTagKeysKindAndDescription() throws Exception {
    exerciseAll();
    assertThat(registry.getMeters()).isNotEmpty();
    for (Meter meter : registry.getMeters()) {
      MeshMetric metric = RUNTIME.stream().filter(m -> m.metricName().equals(meter.getId().getName())).findFirst()
          .orElseThrow(() -> new AssertionError(meter.getId().getName() + " is not in MeshMetric"));
      assertThat(meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet()))
          .as("tag keys of %s", metric).isEqualTo(new HashSet<>(metric.tagKeys()));
      assertThat(kind(meter)).as("kind of %s", metric).isEqualTo(metric.kind());
      assertThat(meter.getId().getDescription()).as("description of %s", metric).isEqualTo(metric.description());
    }
  }

  @Test
  void everyRuntimeMetricOfTheCatalogueIsRecorded() throws Exception {
    exerciseAll();
    Set<String> registered = registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(RUNTIME).allSatisfy(m -> assertThat(registered).as("registered meters").contains(m.metricName()));
  }

  private void exerciseAll() throws Exception {
    metrics.metered("ask", "fast", () -> request -> answer(Duration.ofMillis(2), 2, new Usage(1, 1))).complete(ASK);
    metrics.checkpointHit("ask");
    metrics.stateLatency("ask", "before").record(Duration.ofNanos(300_000));
    metrics.toolCallRefused("ask");
    metrics.duplicateTask("ask");
    metrics.deadLetter("ask", "VALIDATION");
    metrics.workerRestarted("ask");
    metrics.runFinished("SUCCEEDED");
    WorkerListener listener = metrics.workerListener("ask");
    listener.recordStarted(new ConsumerRecord<>("t", 0, 0L, new byte[0], new byte[0]));
    listener.recordCompleted(new TopicPartition("t", 0), 0L, 1_000_000L);
    listener.committed(1, 2);
  }

  private double count(MeshMetric metric, String... tags) {
    return registry.get(metric.metricName()).tags("graph", "g").tags(tags).counter().count();
  }

  private static ChatResponse answer(Duration latency, int attempts, Usage usage) {
    return new ChatResponse("hi", List.of(), "stop", usage, latency, "endpoint", "model-id", false,
        java.util.stream.IntStream.range(1, attempts).mapToObj(RuntimeMetricsTest::failed).toList());
  }

  private static Attempt failed(int number) {
    return new Attempt("down", number, Instant.EPOCH, Duration.ofMillis(1), "ModelServerException", "boom");
  }

  private static MeshMetric.Kind kind(Meter meter) {
    return switch (meter.getId().getType()) {
      case COUNTER -> MeshMetric.Kind.COUNTER;
      case GAUGE -> MeshMetric.Kind.GAUGE;
      case TIMER -> MeshMetric.Kind.TIMER;
      default -> throw new AssertionError("unexpected meter type " + meter.getId().getType() + " of " + meter.getId().getName());
    };
  }
}
