package io.agentmesh.deployer.replay;

import java.util.List;
import java.util.Map;

/**
 * What a recording says about a deployment: per node, per edge, per run and overall. Times are
 * milliseconds; instants are epoch milliseconds.
 *
 * @param graph the graph profiled
 * @param fromMs the first recorded produce time
 * @param toMs the last recorded produce time
 * @param runs runs seen (ingress tasks, or results when the ingress is outside the range)
 * @param succeeded runs with a SUCCEEDED result
 * @param failed runs with a FAILED or CANCELLED result
 * @param nodes per node, by name
 * @param edges per edge, by {@code from->to}
 * @param endToEnd run latency, ingress produce to result
 * @param slowestRuns the slowest runs with their critical paths, slowest first
 * @param throughput arrivals and completions over time
 */
public record Profile(String graph, long fromMs, long toMs, long runs, long succeeded, long failed,
                      Map<String, NodeProfile> nodes, Map<String, EdgeProfile> edges, Distribution endToEnd,
                      List<RunProfile> slowestRuns, Throughput throughput) {

  /**
   * One node.
   *
   * @param executions completed executions (NODE_COMPLETED events)
   * @param visitsPerRun executions per run (1 for a node every run passes once)
   * @param service processing time per execution
   * @param queueWait processing start minus the inbound hop's enqueue time
   * @param model time in model calls per execution that made one
   * @param retries model calls retried inside the node, plus executions with attempt above 1
   * @param errors runs that failed at this node
   * @param deadLetters messages on this node's dead-letter topic
   */
  public record NodeProfile(String node, long executions, double visitsPerRun, Distribution service, Distribution queueWait,
                            Distribution model, long tokensIn, long tokensOut, long retries, long errors, long deadLetters) {}

  /**
   * One edge.
   *
   * @param transit processing start at the target minus the hop's produce time (record timestamp)
   */
  public record EdgeProfile(String from, String to, long messages, long bytes, Distribution transit) {}

  /** One run and the chain of node executions that decided its latency. */
  public record RunProfile(String runId, String status, long startedAt, long finishedAt, long endToEndMs, List<Step> criticalPath) {}

  /** One execution on a critical path: enqueued (inbound produced), started and finished, epoch ms. */
  public record Step(String node, long enqueuedAt, long startedAt, long finishedAt) {}

  /**
   * Runs arriving (ingress) and completing (results) per bucket.
   *
   * @param meanArrivalRate arrivals per second over the recorded span
   * @param peakCompletionRate the largest completions per second of any bucket
   */
  public record Throughput(long startMs, long bucketMs, List<Long> arrivals, List<Long> completions,
                           double meanArrivalRate, double meanCompletionRate, double peakCompletionRate) {}

  /** A latency distribution from an HdrHistogram: summary values and linear bins for charts. */
  public record Distribution(long count, double mean, long min, long p50, long p95, long p99, long max, List<Bin> bins) {

    /** No values. */
    public static final Distribution EMPTY = new Distribution(0, 0, 0, 0, 0, 0, 0, List.of());
  }

  /** Values in [from, to) and how many. */
  public record Bin(long from, long to, long count) {}
}
