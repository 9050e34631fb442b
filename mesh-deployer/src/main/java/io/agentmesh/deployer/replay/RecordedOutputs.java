package io.agentmesh.deployer.replay;

import static io.agentmesh.schemas.serde.WireCodec.bytes;

import io.agentmesh.agents.runtime.NodeOutputSource;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recorded node outputs for deterministic replay, keyed by (run, node, input id): a node's output
 * is the payload of the hops it emitted for that input (their input ids derive from it, see
 * {@link InputIds}), or the run's result when the node ended the run; tokens and model time come
 * from its NODE_COMPLETED event.
 *
 * <p>A replayed run may have a new run id: {@code runIds} maps it to the recorded one, and the
 * replayed input id is translated by walking the recorded run's hops from its START input, deriving
 * both runs' ids step by step. Lookups without a recording are counted and listed ({@link #misses()}).
 */
public final class RecordedOutputs implements NodeOutputSource {

  private static final int MISSES_KEPT = 100;

  private final Map<String, String> runIds;
  private final Map<String, List<Hop>> hopsByRun = new HashMap<>();
  private final Map<String, RunResult> results = new HashMap<>();
  private final Map<String, String> finishers = new HashMap<>();
  private final Map<String, List<Recording.EventRecord>> completions = new HashMap<>();
  private final Map<String, Map<String, String>> translations = new ConcurrentHashMap<>();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong missed = new AtomicLong();
  private final List<String> misses = new CopyOnWriteArrayList<>();

  private RecordedOutputs(Recording recording, Map<String, String> runIds) {
    this.runIds = new ConcurrentHashMap<>(runIds);
    recording.hops().forEach(h -> hopsByRun.computeIfAbsent(h.hop().getRunId(), r -> new ArrayList<>()).add(h.hop()));
    recording.results().forEach(r -> results.putIfAbsent(r.result().getRunId(), r.result()));
    for (Recording.EventRecord record : recording.events()) {
      RunEvent event = record.event();
      if (event.getType() == RunEventType.RUN_SUCCEEDED && event.getNode() != null) {
        finishers.putIfAbsent(event.getRunId(), event.getNode());
      } else if (event.getType() == RunEventType.NODE_COMPLETED && event.getNode() != null) {
        completions.computeIfAbsent(event.getRunId() + "/" + event.getNode(), k -> new ArrayList<>()).add(record);
      }
    }
  }

  /** Outputs of a recording; {@code runIds} maps replayed run ids to recorded ones (absent: the same id). */
  public static RecordedOutputs of(Recording recording, Map<String, String> runIds) {
    return new RecordedOutputs(recording, runIds);
  }

  /** Serves run {@code replayedRun} from the recording of {@code recordedRun} (call before its task is published). */
  public void alias(String replayedRun, String recordedRun) {
    runIds.put(replayedRun, recordedRun);
  }

  @Override
  public Optional<RecordedOutput> find(String runId, String node, String inputId) {
    String recordedRun = runIds.getOrDefault(runId, runId);
    Optional<RecordedOutput> found = Optional.ofNullable(translate(runId, recordedRun).get(inputId))
        .flatMap(recordedInput -> output(recordedRun, node, recordedInput));
    if (found.isPresent()) {
      served.incrementAndGet();
    } else {
      missed.incrementAndGet();
      if (misses.size() < MISSES_KEPT) {
        misses.add("run " + runId + " (recorded " + recordedRun + "), node " + node + ", input " + inputId);
      }
    }
    return found;
  }

  /** Lookups answered from the recording. */
  public long served() {
    return served.get();
  }

  /** Lookups with no recording (each failed its run; no model was called). */
  public long missed() {
    return missed.get();
  }

  /** The first misses, described. */
  public List<String> misses() {
    return List.copyOf(misses);
  }

  /** Replayed input id to recorded input id for one run, walking the recorded hops from START. */
  private Map<String, String> translate(String runId, String recordedRun) {
    return translations.computeIfAbsent(runId, r -> {
      Map<String, String> map = new HashMap<>();
      List<Hop> hops = hopsByRun.getOrDefault(recordedRun, List.of());
      Deque<String[]> queue = new ArrayDeque<>();
      queue.add(new String[] {InputIds.ofIngress(recordedRun), InputIds.ofIngress(runId)});
      while (!queue.isEmpty()) {
        String[] pair = queue.poll();
        if (map.putIfAbsent(pair[1], pair[0]) != null) {
          continue;
        }
        for (Hop hop : hops) {
          if (InputIds.child(pair[0], hop.getFromNode(), hop.getToNode()).equals(hop.getInputId())) {
            queue.add(new String[] {hop.getInputId(), InputIds.child(pair[1], hop.getFromNode(), hop.getToNode())});
          }
        }
      }
      return map;
    });
  }

  private Optional<RecordedOutput> output(String run, String node, String inputId) {
    byte[] payload = null;
    String contentType = null;
    Hop inbound = null;
    for (Hop hop : hopsByRun.getOrDefault(run, List.of())) {
      if (hop.getInputId().equals(inputId) && hop.getToNode().equals(node)) {
        inbound = hop;
      }
      if (payload == null && hop.getFromNode().equals(node) && hop.getClaimCheck() == null
          && InputIds.child(inputId, node, hop.getToNode()).equals(hop.getInputId())) {
        payload = bytes(hop.getPayload());
        contentType = hop.getContentType();
      }
    }
    RunResult result = results.get(run);
    if (payload == null && node.equals(finishers.get(run)) && result != null && result.getStatus() == RunStatus.SUCCEEDED
        && result.getOutput() != null) {
      payload = bytes(result.getOutput());
      contentType = result.getContentType();
    }
    if (payload == null) {
      return Optional.empty();
    }
    RunEvent event = completion(run, node, inbound);
    byte[] decision = event != null && event.getDetail() != null && "application/json".equals(event.getDetailContentType())
        ? bytes(event.getDetail()) : null;
    return Optional.of(new RecordedOutput(payload, contentType == null ? "text/plain; charset=utf-8" : contentType,
        event == null ? 0 : event.getTokensIn(), event == null ? 0 : event.getTokensOut(),
        event == null || event.getModelMs() == null ? 0 : event.getModelMs(), decision));
  }

  /** The node's NODE_COMPLETED event for this input: the one carrying the inbound hop's trace, else the only one. */
  private RunEvent completion(String run, String node, Hop inbound) {
    List<Recording.EventRecord> candidates = completions.getOrDefault(run + "/" + node, List.of());
    String trace = inbound == null || inbound.getTrace() == null ? null : inbound.getTrace().getTraceparent();
    for (Recording.EventRecord record : candidates) {
      if (trace != null && trace.equals(record.traceparent())) {
        return record.event();
      }
    }
    return candidates.size() == 1 ? candidates.getFirst().event() : null;
  }

}
