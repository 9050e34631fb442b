package io.agentmesh.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's metrics, served at {@code /metrics}. Names follow the mesh catalogue's rules
 * ({@code mesh.} prefix, lowercase dots) and every tag is bounded: routes are the route templates,
 * statuses HTTP codes, graphs those configured, reasons the fixed codes of {@link ApiError}s.
 */
final class GatewayMetrics {

  static final String REQUESTS = "mesh.gateway.requests";
  static final String REJECTED = "mesh.gateway.rejected";
  static final String RUNS_SUBMITTED = "mesh.gateway.runs.submitted";
  static final String SYNC_WAITS = "mesh.gateway.sync.waits";
  static final String SSE_STREAMS = "mesh.gateway.sse.streams";
  static final String UNREADABLE = "mesh.gateway.records.unreadable";
  static final String RESULT_LAG = "mesh.gateway.result.lag";
  static final String SUBMIT_TIME = "mesh.gateway.submit.time";
  static final String RESULT_READ_LAG = "mesh.gateway.result.read.lag";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** Creates the meters known up front, so their classes load (and histograms are allocated) at start, not on an event loop. */
  void warmUp(Iterable<String> graphs) {
    for (String graph : graphs) {
      for (String mode : new String[] {"async", "sync"}) {
        Counter.builder(RUNS_SUBMITTED).tags("graph", graph, "mode", mode).register(registry);
      }
      submitTime(graph, 0);
    }
    request("/v1/graphs/{graph}/runs", "POST", 202, 0);
    request("/v1/graphs/{graph}/runs", "POST", 200, 0);
    Counter.builder(REJECTED).tag("reason", "schema_violation").register(registry);
    registry.scrape();
  }

  void gauges(Supplier<Number> syncWaits, Supplier<Number> sseStreams) {
    Gauge.builder(SYNC_WAITS, syncWaits).description("Sync calls waiting for a result").register(registry);
    Gauge.builder(SSE_STREAMS, sseStreams).description("Open event streams").register(registry);
  }

  void request(String route, String method, int status, long nanos) {
    Timer.builder(REQUESTS).description("HTTP requests handled, by route template, method and status")
        .tags("route", route, "method", method, "status", Integer.toString(status))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  void rejected(String reason) {
    Counter.builder(REJECTED).description("Requests refused, by error code").tag("reason", reason).register(registry).increment();
  }

  void submitted(String graph, String mode) {
    Counter.builder(RUNS_SUBMITTED).description("Runs published to ingress, by graph and mode (async, sync)")
        .tags("graph", graph, "mode", mode).register(registry).increment();
  }

  /** From a result's finishedAt (the worker's clock) to this gateway reading it: the commit and the fetch. */
  void resultLag(long millis) {
    Timer.builder(RESULT_LAG).description("From a run's finishedAt to the gateway reading its committed result")
        .publishPercentiles(0.5, 0.99).register(registry).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** From a result record's timestamp (its producer's send, in the worker's commit pass) to this gateway reading it. */
  void resultReadLag(long millis) {
    Timer.builder(RESULT_READ_LAG).description("From a result record's timestamp (sent in the worker's commit) to the gateway reading it")
        .publishPercentiles(0.5, 0.99).register(registry).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** From a request's arrival to its task being acknowledged by the broker. */
  void submitTime(String graph, long nanos) {
    Timer.builder(SUBMIT_TIME).description("From a run request's arrival to the broker's acknowledgement of its task")
        .tag("graph", graph).publishPercentiles(0.5, 0.99).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  void unreadable(String topic) {
    Counter.builder(UNREADABLE).description("Result or event records the gateway could not decode")
        .tag("topic", topic).register(registry).increment();
  }

  String scrape() {
    return registry.scrape();
  }

  void close() {
    registry.close();
  }
}
