package io.agentmesh.core.metrics;

import java.util.List;

/**
 * Every metric the mesh emits: one catalogue, {@code mesh.} prefix, lowercase dots, and a fixed,
 * bounded set of tag keys per metric (graph and node names come from the compiled graph, never
 * from message content, so cardinality is bounded by the graph's size).
 */
public enum MeshMetric {
  RECORDS_CONSUMED("mesh.records.consumed", "Records fetched by a node's workers", Kind.COUNTER, Tags.NODE),
  RECORDS_PRODUCED("mesh.records.produced", "Records published by a node's workers (hops, results, events, dead letters)", Kind.COUNTER, Tags.NODE),
  IN_FLIGHT("mesh.in.flight", "Records being handled right now", Kind.GAUGE, Tags.NODE),
  PROCESSING_TIME("mesh.processing.time", "Time from a record's dispatch to its completion", Kind.TIMER, Tags.NODE),
  MODEL_LATENCY("mesh.model.latency", "Latency of a node's answered model requests, their retries and fallback included", Kind.TIMER, Tags.MODEL),
  MODEL_TOKENS("mesh.model.tokens", "Tokens of the answers a node's model requests got", Kind.COUNTER, List.of("graph", "node", "model", "direction")),
  MODEL_RETRIES("mesh.model.retries", "Model calls a node's requests made after their first (retries, the fallback's), answered or not", Kind.COUNTER, Tags.MODEL),
  STATE_LATENCY("mesh.state.latency", "Redis round trips of a node's hops: before the node runs (its start, checkpoint and run state) and after (its checkpoint and finish)", Kind.TIMER, List.of("graph", "node", "step")),
  CHECKPOINT_HITS("mesh.checkpoint.hits", "Inputs answered from a checkpoint instead of a new call", Kind.COUNTER, Tags.NODE),
  DEAD_LETTERS("mesh.dead.letters", "Records sent to a dead-letter topic", Kind.COUNTER, List.of("graph", "node", "reason")),
  RUNS_FINISHED("mesh.runs.finished", "Runs that reached a final status", Kind.COUNTER, List.of("graph", "status")),
  TRANSACTIONS("mesh.transactions", "Kafka transactions committed by a node's workers", Kind.COUNTER, Tags.NODE),
  TOOL_CALLS_REFUSED("mesh.tool.calls.refused", "Tool calls refused because the agent did not declare the tool", Kind.COUNTER, Tags.NODE),
  DUPLICATE_TASKS("mesh.tasks.duplicate", "Tasks ignored because another task already started the run they name", Kind.COUNTER, Tags.NODE),
  WORKER_RESTARTS("mesh.worker.restarts", "Node replicas the runtime replaced after a fatal error stopped them", Kind.COUNTER, Tags.NODE),
  GATEWAY_REQUESTS("mesh.gateway.requests", "HTTP requests handled by the gateway, by route template, method and status", Kind.TIMER, List.of("route", "method", "status")),
  GATEWAY_REJECTED("mesh.gateway.rejected", "Requests the gateway refused, by error code", Kind.COUNTER, List.of("reason")),
  GATEWAY_RUNS_SUBMITTED("mesh.gateway.runs.submitted", "Runs the gateway published to ingress, by graph and mode (async, sync)", Kind.COUNTER, List.of("graph", "mode")),
  GATEWAY_SYNC_WAITS("mesh.gateway.sync.waits", "Sync calls waiting for a result in this gateway", Kind.GAUGE, List.of()),
  GATEWAY_SSE_STREAMS("mesh.gateway.sse.streams", "Event streams open in this gateway", Kind.GAUGE, List.of()),
  GATEWAY_SUBMIT_TIME("mesh.gateway.submit.time", "From a run request's arrival to the broker's acknowledgement of its task", Kind.TIMER, List.of("graph")),
  GATEWAY_RESULT_LAG("mesh.gateway.result.lag", "From a run's finishedAt to the gateway reading its committed result", Kind.TIMER, List.of()),
  GATEWAY_RESULT_READ_LAG("mesh.gateway.result.read.lag", "From a result record's timestamp (sent in the worker's commit) to the gateway reading it", Kind.TIMER, List.of()),
  GATEWAY_RECORDS_UNREADABLE("mesh.gateway.records.unreadable", "Result or event records the gateway could not decode, by topic", Kind.COUNTER, List.of("topic")),
  GATEWAY_EVENTS_READ_BACK("mesh.gateway.events.read.back", "Event streams of ended runs whose events this gateway read back from the events topic, by outcome (found, not_found, busy, error)", Kind.COUNTER, List.of("outcome")),
  GATEWAY_RATE_LIMIT_FALLBACKS("mesh.gateway.rate.limit.fallbacks", "Rate checks this gateway decided alone because Redis failed or was late (cause: error, timeout)", Kind.COUNTER, List.of("cause"));

  /** How the metric is recorded. */
  public enum Kind { COUNTER, GAUGE, TIMER }

  private final String metricName;
  private final String description;
  private final Kind kind;
  private final List<String> tagKeys;

  MeshMetric(String metricName, String description, Kind kind, List<String> tagKeys) {
    this.metricName = metricName;
    this.description = description;
    this.kind = kind;
    this.tagKeys = tagKeys;
  }

  /** The Micrometer name. */
  public String metricName() {
    return metricName;
  }

  /** One line for the metric's HELP text. */
  public String description() {
    return description;
  }

  public Kind kind() {
    return kind;
  }

  /** The only tag keys this metric carries. */
  public List<String> tagKeys() {
    return tagKeys;
  }

  private static final class Tags {
    static final List<String> NODE = List.of("graph", "node");
    static final List<String> MODEL = List.of("graph", "node", "model");
  }
}
