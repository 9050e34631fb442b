package io.agentmesh.deployer.replay;

import io.agentmesh.deployer.replay.Profile.Bin;
import io.agentmesh.deployer.replay.Profile.Distribution;
import io.agentmesh.deployer.replay.Recording.EventRecord;
import io.agentmesh.deployer.replay.Recording.HopRecord;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * Rebuilds every run's path from a recording and measures it.
 *
 * <p>A node execution is a NODE_COMPLETED event: it finished at the event's timestamp and started
 * {@code serviceMs} earlier. Its inbound message is the hop whose traceparent the event carries
 * in its header (the runtime copies the handled hop's), or the run's ingress task for an entry
 * node. Queue wait is start minus the hop's {@code enqueuedAt}; edge transit is start minus the
 * hop record's produce timestamp (so it includes the producer's transaction commit, the fetch and
 * any wait for an in-flight slot). A hop's producer is the execution of its source node whose
 * input id derives the hop's input id ({@link InputIds}), which gives each run's critical path:
 * the chain of executions ending at the one that finished the run. An input handled twice (a
 * redelivery answered from its checkpoint re-sends the node's NODE_COMPLETED) counts once, and so
 * do a run's end event and its result published twice.
 */
public final class Profiler {

  private static final int BINS = 20;

  private Profiler() {
  }

  private record Execution(String runId, String node, String inputId, long start, long end, RunEvent event, HopRecord inbound,
                           long enqueuedAt) {}

  /** The profile of a recording, keeping the {@code slowest} runs' critical paths. */
  public static Profile profile(Recording recording, int slowest) {
    Map<String, Recording.Ingress> ingressByRun = new HashMap<>();
    recording.ingress().forEach(i -> ingressByRun.putIfAbsent(i.runId(), i));
    Map<String, HopRecord> hopByTrace = new HashMap<>();
    Map<String, List<HopRecord>> hopsByRun = new HashMap<>();
    for (HopRecord hop : recording.hops()) {
      if (hop.traceparent() != null) {
        hopByTrace.put(hop.traceparent(), hop);
      }
      hopsByRun.computeIfAbsent(hop.hop().getRunId().toString(), r -> new ArrayList<>()).add(hop);
    }

    Map<String, Histogram> service = new TreeMap<>();
    Map<String, Histogram> wait = new TreeMap<>();
    Map<String, Histogram> model = new TreeMap<>();
    Map<String, long[]> counters = new TreeMap<>(); // executions, tokensIn, tokensOut, retries, errors
    Map<String, Histogram> transit = new TreeMap<>();
    Map<String, long[]> edgeCounters = new TreeMap<>(); // messages, bytes
    Map<String, List<Execution>> executionsByRun = new HashMap<>();
    Set<String> executed = new HashSet<>(); // run|node|input id|attempt of each execution counted
    Map<String, RunEvent> finisherByRun = new HashMap<>();
    Map<String, String> finisherTrace = new HashMap<>();

    for (HopRecord hop : recording.hops()) {
      long[] c = edgeCounters.computeIfAbsent(edgeKey(hop.hop()), k -> new long[2]);
      c[0]++;
      c[1] += hop.bytes();
    }
    for (EventRecord record : recording.events()) {
      RunEvent event = record.event();
      String runId = event.getRunId();
      String node = event.getNode();
      if (event.getType() == RunEventType.RUN_SUCCEEDED || event.getType() == RunEventType.RUN_FAILED
          || event.getType() == RunEventType.RUN_CANCELLED) {
        // a run ends once; a second end event is the first re-sent by a redelivery
        if (finisherByRun.putIfAbsent(runId, event) == null) {
          finisherTrace.put(runId, record.traceparent());
          if (event.getType() != RunEventType.RUN_SUCCEEDED && node != null) {
            counters.computeIfAbsent(node, n -> new long[5])[4]++;
          }
        }
        continue;
      }
      if (event.getType() == RunEventType.RETRY_SCHEDULED && node != null) {
        counters.computeIfAbsent(node, n -> new long[5])[3]++; // a model call retried inside the node
        continue;
      }
      if (event.getType() != RunEventType.NODE_COMPLETED || node == null) {
        continue;
      }
      long end = event.getTimestamp().toEpochMilli();
      long serviceMs = event.getServiceMs() == null ? 0 : event.getServiceMs();
      long start = end - serviceMs;
      HopRecord inbound = record.traceparent() == null ? null : hopByTrace.get(record.traceparent());
      if (inbound != null && !(inbound.hop().getToNode().equals(node) && inbound.hop().getRunId().equals(runId))) {
        inbound = null;
      }
      String inputId = inbound != null ? inbound.hop().getInputId() : InputIds.ofIngress(runId);
      if (!executed.add(runId + '|' + node + '|' + inputId + '|' + event.getAttempt())) {
        continue; // a redelivery answered from the checkpoint sent the same NODE_COMPLETED again
      }
      long enqueued = -1;
      if (inbound != null) {
        enqueued = inbound.hop().getEnqueuedAt().toEpochMilli();
        long transitMs = Math.max(0, start - inbound.timestamp());
        transit.computeIfAbsent(edgeKey(inbound.hop()), k -> new Histogram(3)).recordValue(transitMs);
      } else {
        Recording.Ingress task = ingressByRun.get(runId);
        enqueued = task == null ? -1 : task.timestamp();
      }
      histogram(service, node).recordValue(serviceMs);
      if (enqueued >= 0) {
        histogram(wait, node).recordValue(Math.max(0, start - enqueued));
      }
      if (event.getModelMs() != null && event.getModelMs() > 0) {
        histogram(model, node).recordValue(event.getModelMs());
      }
      long[] c = counters.computeIfAbsent(node, n -> new long[5]);
      c[0]++;
      c[1] += event.getTokensIn();
      c[2] += event.getTokensOut();
      if (event.getAttempt() > 1) {
        c[3]++; // a hop a join asked for again
      }
      executionsByRun.computeIfAbsent(runId, r -> new ArrayList<>())
          .add(new Execution(runId, node, inputId, start, end, event, inbound, enqueued));
    }

    // under at-least-once a crash can publish a run's result twice, the same both times (D-020)
    Map<String, Recording.ResultRecord> resultByRun = new LinkedHashMap<>();
    recording.results().forEach(r -> resultByRun.putIfAbsent(r.result().getRunId(), r));
    List<Recording.ResultRecord> results = List.copyOf(resultByRun.values());
    TreeSet<String> runIds = new TreeSet<>(ingressByRun.keySet());
    runIds.addAll(resultByRun.keySet());
    long runs = runIds.size();
    Map<String, Profile.NodeProfile> nodes = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> entry : counters.entrySet()) {
      String node = entry.getKey();
      long[] c = entry.getValue();
      nodes.put(node, new Profile.NodeProfile(node, c[0], runs == 0 ? 0 : (double) c[0] / runs, summary(service.get(node)),
          summary(wait.get(node)), summary(model.get(node)), c[1], c[2], c[3], c[4], recording.deadLetters().getOrDefault(node, 0L)));
    }
    recording.deadLetters().forEach((node, count) -> nodes.putIfAbsent(node, new Profile.NodeProfile(node, 0, 0,
        Distribution.EMPTY, Distribution.EMPTY, Distribution.EMPTY, 0, 0, 0, 0, count)));
    Map<String, Profile.EdgeProfile> edges = new LinkedHashMap<>();
    edgeCounters.forEach((key, c) -> {
      String[] ends = key.split("->", 2);
      edges.put(key, new Profile.EdgeProfile(ends[0], ends[1], c[0], c[1], summary(transit.get(key))));
    });

    Histogram endToEnd = new Histogram(3);
    List<Profile.RunProfile> runProfiles = new ArrayList<>();
    long succeeded = 0;
    long failed = 0;
    for (Recording.ResultRecord record : results) {
      RunResult result = record.result();
      if (result.getStatus() == RunStatus.SUCCEEDED) {
        succeeded++;
      } else {
        failed++;
      }
      String runId = result.getRunId();
      Recording.Ingress task = ingressByRun.get(runId);
      long started = task != null ? task.timestamp() : result.getStartedAt().toEpochMilli();
      long finished = result.getFinishedAt().toEpochMilli();
      long latency = Math.max(0, finished - started);
      endToEnd.recordValue(latency);
      runProfiles.add(new Profile.RunProfile(runId, result.getStatus().name(), started, finished, latency, List.of()));
    }
    runProfiles.sort(Comparator.comparingLong(Profile.RunProfile::endToEndMs).reversed());
    List<Profile.RunProfile> slowestRuns = runProfiles.stream().limit(slowest)
        .map(r -> new Profile.RunProfile(r.runId(), r.status(), r.startedAt(), r.finishedAt(), r.endToEndMs(),
            criticalPath(executionsByRun.getOrDefault(r.runId(), List.of()), finisherByRun.get(r.runId()), finisherTrace.get(r.runId()))))
        .toList();

    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (Recording.Ingress i : recording.ingress()) {
      from = Math.min(from, i.timestamp());
      to = Math.max(to, i.timestamp());
    }
    for (Recording.ResultRecord r : results) {
      from = Math.min(from, r.timestamp());
      to = Math.max(to, r.timestamp());
    }
    if (from > to) {
      from = 0;
      to = 0;
    }
    return new Profile(recording.graph(), from, to, runs, succeeded, failed, nodes, edges, summary(endToEnd), slowestRuns,
        throughput(recording.ingress(), results, from, to));
  }

  /** The executions that decided the run's latency, first to last. */
  private static List<Profile.Step> criticalPath(List<Execution> executions, RunEvent finisher, String finisherTraceparent) {
    if (executions.isEmpty()) {
      return List.of();
    }
    Execution last = null;
    if (finisher != null && finisher.getNode() != null) {
      for (Execution e : executions) {
        if (e.node().equals(finisher.getNode()) && (last == null || (e.inbound() != null && finisherTraceparent != null
            && finisherTraceparent.equals(e.inbound().traceparent())))) {
          last = e;
        }
      }
    }
    if (last == null) {
      last = executions.stream().max(Comparator.comparingLong(Execution::end)).orElseThrow();
    }
    List<Profile.Step> path = new ArrayList<>();
    Execution at = last;
    for (int guard = 0; at != null && guard < 10_000; guard++) {
      path.addFirst(new Profile.Step(at.node(), at.enqueuedAt(), at.start(), at.end()));
      if (at.inbound() == null) {
        break;
      }
      Hop hop = at.inbound().hop();
      Execution producer = null;
      for (Execution e : executions) {
        if (e.node().equals(hop.getFromNode()) && InputIds.child(e.inputId(), e.node(), hop.getToNode()).equals(hop.getInputId())) {
          producer = e;
          break;
        }
      }
      at = producer;
    }
    return List.copyOf(path);
  }

  private static Profile.Throughput throughput(List<Recording.Ingress> ingress, List<Recording.ResultRecord> results, long from,
                                               long to) {
    long span = Math.max(1, to - from);
    long bucket = Math.max(100, ((span / 60) + 99) / 100 * 100);
    int count = (int) (span / bucket) + 1;
    long[] arrivals = new long[count];
    long[] completions = new long[count];
    ingress.forEach(i -> arrivals[index(i.timestamp(), from, bucket, count)]++);
    results.forEach(r -> completions[index(r.timestamp(), from, bucket, count)]++);
    long peak = 0;
    for (long c : completions) {
      peak = Math.max(peak, c);
    }
    double seconds = span / 1000.0;
    return new Profile.Throughput(from, bucket, toList(arrivals), toList(completions),
        ingress.size() / seconds, results.size() / seconds, peak * 1000.0 / bucket);
  }

  private static int index(long timestamp, long from, long bucket, int count) {
    return (int) Math.max(0, Math.min(count - 1, (timestamp - from) / bucket));
  }

  private static List<Long> toList(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  private static Histogram histogram(Map<String, Histogram> by, String key) {
    return by.computeIfAbsent(key, k -> new Histogram(3));
  }

  private static String edgeKey(Hop hop) {
    return hop.getFromNode() + "->" + hop.getToNode();
  }

  /** Summary values and {@value #BINS} linear bins of a histogram (empty for none). */
  static Distribution summary(Histogram h) {
    if (h == null || h.getTotalCount() == 0) {
      return Distribution.EMPTY;
    }
    long min = h.getMinValue();
    long max = h.getMaxValue();
    long width = Math.max(1, (max - min + BINS) / BINS);
    long[] counts = new long[BINS];
    h.recordedValues().forEach(v -> {
      int i = (int) Math.min(BINS - 1, (v.getValueIteratedTo() - min) / width);
      counts[i] += v.getCountAtValueIteratedTo();
    });
    List<Bin> bins = new ArrayList<>();
    for (int i = 0; i < BINS; i++) {
      bins.add(new Bin(min + i * width, min + (i + 1) * width, counts[i]));
    }
    return new Distribution(h.getTotalCount(), h.getMean(), min, h.getValueAtPercentile(50), h.getValueAtPercentile(95),
        h.getValueAtPercentile(99), max, bins);
  }
}
