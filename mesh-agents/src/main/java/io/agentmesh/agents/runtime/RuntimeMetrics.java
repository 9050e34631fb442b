package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.ChatModel;
import io.agentmesh.agents.model.ChatResponse;
import io.agentmesh.agents.model.RetriesExhaustedException;
import io.agentmesh.core.metrics.MeshMetric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** The runtime's Micrometer meters, named from {@link MeshMetric} with bounded tags (graph, node, status). */
final class RuntimeMetrics {

  private final MeterRegistry registry;
  private final String graph;
  private final java.util.Map<String, AtomicInteger> inFlightByNode = new java.util.concurrent.ConcurrentHashMap<>();

  RuntimeMetrics(MeterRegistry registry, String graph) {
    this.registry = registry;
    this.graph = graph;
  }

  private Counter counter(MeshMetric metric, String... tags) {
    return Counter.builder(metric.metricName()).description(metric.description()).tags(tags).register(registry);
  }

  /** A timer of the catalogue, with the histogram Prometheus needs for its percentiles. */
  private Timer timer(MeshMetric metric, String... tags) {
    return Timer.builder(metric.metricName()).description(metric.description()).tags(tags)
        .publishPercentileHistogram()
        .register(registry);
  }

  /** Node {@code node}'s Redis round trips at {@code step} of its hops ("before" or "after" the node runs). */
  Timer stateLatency(String node, String step) {
    return timer(MeshMetric.STATE_LATENCY, "graph", graph, "node", node, "step", step);
  }

  void checkpointHit(String node) {
    counter(MeshMetric.CHECKPOINT_HITS, "graph", graph, "node", node).increment();
  }

  /**
   * Node {@code node}'s calls to the graph's model {@code model}, measured: each answer's latency
   * (its retries and fallback included) and tokens, and the calls a request made beyond its first,
   * whether it was answered or not. {@code model} is looked up at each call, so binding stays lazy.
   */
  ChatModel metered(String node, String model, Supplier<ChatModel> calls) {
    Timer latency = timer(MeshMetric.MODEL_LATENCY, "graph", graph, "node", node, "model", model);
    Counter retries = counter(MeshMetric.MODEL_RETRIES, "graph", graph, "node", node, "model", model);
    Counter tokensIn = counter(MeshMetric.MODEL_TOKENS, "graph", graph, "node", node, "model", model, "direction", "in");
    Counter tokensOut = counter(MeshMetric.MODEL_TOKENS, "graph", graph, "node", node, "model", model, "direction", "out");
    return request -> {
      ChatResponse answer;
      try {
        answer = calls.get().complete(request);
      } catch (RetriesExhaustedException e) {
        retries.increment(Math.max(0, e.attempts().size() - 1));
        throw e;
      }
      latency.record(answer.latency());
      retries.increment(answer.attempts() - 1);
      tokensIn.increment(answer.usage().promptTokens());
      tokensOut.increment(answer.usage().completionTokens());
      return answer;
    };
  }

  void toolCallRefused(String node) {
    counter(MeshMetric.TOOL_CALLS_REFUSED, "graph", graph, "node", node).increment();
  }

  void duplicateTask(String node) {
    counter(MeshMetric.DUPLICATE_TASKS, "graph", graph, "node", node).increment();
  }

  void deadLetter(String node, String reason) {
    counter(MeshMetric.DEAD_LETTERS, "graph", graph, "node", node, "reason", reason).increment();
  }

  void workerRestarted(String node) {
    counter(MeshMetric.WORKER_RESTARTS, "graph", graph, "node", node).increment();
  }

  void runFinished(String status) {
    counter(MeshMetric.RUNS_FINISHED, "graph", graph, "status", status).increment();
  }

  /** A worker listener that records consumption, production, in-flight and processing time of a node. */
  WorkerListener workerListener(String node) {
    // one gauge per node, shared by the node's replicas in this process
    AtomicInteger inFlight = inFlightByNode.computeIfAbsent(node, n -> {
      AtomicInteger value = new AtomicInteger();
      Gauge.builder(MeshMetric.IN_FLIGHT.metricName(), value, AtomicInteger::get)
          .description(MeshMetric.IN_FLIGHT.description())
          .tags("graph", graph, "node", n)
          .strongReference(true)
          .register(registry);
      return value;
    });
    Counter consumed = counter(MeshMetric.RECORDS_CONSUMED, "graph", graph, "node", node);
    Counter produced = counter(MeshMetric.RECORDS_PRODUCED, "graph", graph, "node", node);
    Counter transactions = counter(MeshMetric.TRANSACTIONS, "graph", graph, "node", node);
    Timer processing = timer(MeshMetric.PROCESSING_TIME, "graph", graph, "node", node);
    return new WorkerListener() {
      @Override
      public void recordStarted(ConsumerRecord<byte[], byte[]> record) {
        consumed.increment();
        inFlight.incrementAndGet();
      }

      @Override
      public void recordCompleted(TopicPartition partition, long offset, long handlingNanos) {
        inFlight.decrementAndGet();
        processing.record(Duration.ofNanos(handlingNanos));
      }

      @Override
      public void recordDiscarded(TopicPartition partition, long offset) {
        inFlight.decrementAndGet();
      }

      @Override
      public void committed(int records, int published) {
        transactions.increment();
        produced.increment(published);
      }

      @Override
      public void assigned(Set<TopicPartition> partitions) { }
    };
  }
}
