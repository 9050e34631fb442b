package io.agentmesh.gateway;

import io.agentmesh.core.metrics.MeshMetric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's metrics, served at {@code /metrics}, named from the mesh catalogue
 * ({@link MeshMetric}{@code .GATEWAY_*}) with its tag keys. Every tag is bounded: routes are the
 * route templates, statuses HTTP codes, graphs and topics those configured, reasons the fixed codes
 * of {@link ApiError}s. No meter is tagged by caller: JWT subjects are not bounded by any config.
 */
final class GatewayMetrics {

  /** How a read of an ended run's events from the events topic went ({@link EventHistory}). */
  static final String[] EVENTS_READ_BACK_OUTCOMES = {"found", "not_found", "busy", "error"};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /**
   * Creates the meters known up front, so their classes load (and histograms are allocated) at start,
   * not on an event loop, and so counters a dashboard alerts on read 0 rather than being absent.
   */
  void warmUp(Iterable<String> graphs, Iterable<String> topics) {
    for (String graph : graphs) {
      for (String mode : new String[] {"async", "sync"}) {
        counter(MeshMetric.GATEWAY_RUNS_SUBMITTED, "graph", graph, "mode", mode);
      }
      submitTime(graph, 0);
    }
    for (String topic : topics) {
      counter(MeshMetric.GATEWAY_RECORDS_UNREADABLE, "topic", topic);
    }
    for (String cause : new String[] {"error", "timeout"}) {
      counter(MeshMetric.GATEWAY_RATE_LIMIT_FALLBACKS, "cause", cause);
    }
    for (String outcome : EVENTS_READ_BACK_OUTCOMES) {
      counter(MeshMetric.GATEWAY_EVENTS_READ_BACK, "outcome", outcome);
    }
    request("/v1/graphs/{graph}/runs", "POST", 202, 0);
    request("/v1/graphs/{graph}/runs", "POST", 200, 0);
    counter(MeshMetric.GATEWAY_REJECTED, "reason", "schema_violation");
    registry.scrape();
  }

  void gauges(Supplier<Number> syncWaits, Supplier<Number> sseStreams) {
    gauge(MeshMetric.GATEWAY_SYNC_WAITS, syncWaits);
    gauge(MeshMetric.GATEWAY_SSE_STREAMS, sseStreams);
  }

  void request(String route, String method, int status, long nanos) {
    timer(MeshMetric.GATEWAY_REQUESTS, "route", route, "method", method, "status", Integer.toString(status))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void rejected(String reason) {
    counter(MeshMetric.GATEWAY_REJECTED, "reason", reason).increment();
  }

  void submitted(String graph, String mode) {
    counter(MeshMetric.GATEWAY_RUNS_SUBMITTED, "graph", graph, "mode", mode).increment();
  }

  /** From a result's finishedAt (the worker's clock) to this gateway reading it: the commit and the fetch. */
  void resultLag(long millis) {
    percentiles(MeshMetric.GATEWAY_RESULT_LAG).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** From a result record's timestamp (its producer's send, in the worker's commit pass) to this gateway reading it. */
  void resultReadLag(long millis) {
    percentiles(MeshMetric.GATEWAY_RESULT_READ_LAG).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** From a request's arrival to its task being acknowledged by the broker. */
  void submitTime(String graph, long nanos) {
    percentiles(MeshMetric.GATEWAY_SUBMIT_TIME, "graph", graph).record(nanos, TimeUnit.NANOSECONDS);
  }

  void unreadable(String topic) {
    counter(MeshMetric.GATEWAY_RECORDS_UNREADABLE, "topic", topic).increment();
  }

  /** A rate check this instance decided with its own bucket; {@code cause} is {@code error} or {@code timeout}. */
  void rateLimitFallback(String cause) {
    counter(MeshMetric.GATEWAY_RATE_LIMIT_FALLBACKS, "cause", cause).increment();
  }

  /** An ended run's events read back from the events topic; {@code outcome} is one of {@link #EVENTS_READ_BACK_OUTCOMES}. */
  void eventsReadBack(String outcome) {
    counter(MeshMetric.GATEWAY_EVENTS_READ_BACK, "outcome", outcome).increment();
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  String scrape() {
    return registry.scrape();
  }

  void close() {
    registry.close();
  }

  private Counter counter(MeshMetric metric, String... tags) {
    return Counter.builder(metric.metricName()).description(metric.description()).tags(tags).register(registry);
  }

  private Timer timer(MeshMetric metric, String... tags) {
    return Timer.builder(metric.metricName()).description(metric.description()).tags(tags).register(registry);
  }

  private Timer percentiles(MeshMetric metric, String... tags) {
    return Timer.builder(metric.metricName()).description(metric.description()).tags(tags)
        .publishPercentiles(0.5, 0.99).register(registry);
  }

  private void gauge(MeshMetric metric, Supplier<Number> value) {
    Gauge.builder(metric.metricName(), value).description(metric.description()).register(registry);
  }
}
