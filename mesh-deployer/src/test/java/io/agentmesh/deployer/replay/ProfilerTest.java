package io.agentmesh.deployer.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.avro.TraceContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The profiler on a hand-made recording whose every time is known. */
class ProfilerTest {

  private static final long T0 = 1_700_000_000_000L;

  /**
   * Run i arrives at T0 + 100 i; fast starts 40 ms later and runs 60 ms (model 50); its hop is
   * produced 1 ms after it finished; slow starts 40 ms after the hop's enqueue and runs 210 ms
   * (model 200); the result follows 1 ms later.
   */
  static Recording recording(int runs) {
    List<Recording.Ingress> ingress = new ArrayList<>();
    List<Recording.HopRecord> hops = new ArrayList<>();
    List<Recording.EventRecord> events = new ArrayList<>();
    List<Recording.ResultRecord> results = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String run = "run-" + i;
      long arrived = T0 + 100L * i;
      ingress.add(new Recording.Ingress(0, i, arrived, run.getBytes(StandardCharsets.UTF_8),
          "{\"q\": 1}".getBytes(StandardCharsets.UTF_8), List.of(), run));
      long fastEnd = arrived + 100;
      events.add(new Recording.EventRecord(fastEnd, event(run, RunEventType.NODE_COMPLETED, "fast", fastEnd, 60, 50L), "tp-in-" + i));
      String trace = "tp-" + i;
      Hop hop = Hop.newBuilder().setRunId(run).setGraph("g").setGraphVersion("1").setFromNode("fast").setToNode("slow")
          .setEdgeId("fast->slow").setHopCount(1).setAttempt(1).setCreatedAt(Instant.ofEpochMilli(arrived))
          .setEnqueuedAt(Instant.ofEpochMilli(fastEnd)).setDeadline(null).setTrace(new TraceContext(trace, null))
          .setPayload(ByteBuffer.wrap("summary".getBytes(StandardCharsets.UTF_8))).setContentType("text/plain; charset=utf-8")
          .setClaimCheck(null).setBudget(null).setFanOut(null)
          .setInputId(InputIds.child(InputIds.ofIngress(run), "fast", "slow")).build();
      hops.add(new Recording.HopRecord(fastEnd + 1, 120, hop, trace));
      long slowEnd = fastEnd + 40 + 210;
      events.add(new Recording.EventRecord(slowEnd, event(run, RunEventType.NODE_COMPLETED, "slow", slowEnd, 210, 200L), trace));
      events.add(new Recording.EventRecord(slowEnd, event(run, RunEventType.RUN_SUCCEEDED, "slow", slowEnd, 210, null), trace));
      results.add(new Recording.ResultRecord(slowEnd + 1, RunResult.newBuilder().setRunId(run).setGraph("g").setGraphVersion("1")
          .setStatus(RunStatus.SUCCEEDED).setOutput(ByteBuffer.wrap(("answer " + i).getBytes(StandardCharsets.UTF_8)))
          .setContentType("text/plain; charset=utf-8").setError(null).setStartedAt(Instant.ofEpochMilli(arrived))
          .setFinishedAt(Instant.ofEpochMilli(slowEnd + 1)).setHops(2).setTokensIn(30).setTokensOut(20).build()));
    }
    return new Recording("g", ingress, hops, events, results, Map.of("slow", 1L));
  }

  private static RunEvent event(String run, RunEventType type, String node, long at, long serviceMs, Long modelMs) {
    return RunEvent.newBuilder().setRunId(run).setGraph("g").setType(type).setNode(node).setTimestamp(Instant.ofEpochMilli(at))
        .setAttempt(1).setDetail(null).setDetailContentType(null).setServiceMs(serviceMs).setModelMs(modelMs)
        .setTokensIn(type == RunEventType.NODE_COMPLETED ? 15 : 0).setTokensOut(type == RunEventType.NODE_COMPLETED ? 10 : 0).build();
  }

  @Test
  void measuresServiceQueueWaitModelTimeTransitAndEndToEndExactly() {
    Profile profile = Profiler.profile(recording(50), 3);
    Profile.NodeProfile fast = profile.nodes().get("fast");
    Profile.NodeProfile slow = profile.nodes().get("slow");
    assertThat(profile.runs()).isEqualTo(50);
    assertThat(profile.succeeded()).isEqualTo(50);
    assertThat(fast.executions()).isEqualTo(50);
    assertThat(fast.visitsPerRun()).isEqualTo(1.0);
    assertThat(fast.service().p50()).isEqualTo(60);
    assertThat(fast.service().p99()).isEqualTo(60);
    assertThat(fast.queueWait().p50()).isEqualTo(40);
    assertThat(fast.model().p50()).isEqualTo(50);
    assertThat(fast.tokensIn()).isEqualTo(750);
    assertThat(slow.service().p50()).isEqualTo(210);
    assertThat(slow.model().p99()).isEqualTo(200);
    assertThat(slow.queueWait().p50()).isEqualTo(40);
    assertThat(slow.deadLetters()).isEqualTo(1);
    Profile.EdgeProfile edge = profile.edges().get("fast->slow");
    assertThat(edge.messages()).isEqualTo(50);
    assertThat(edge.bytes()).isEqualTo(50 * 120);
    assertThat(edge.transit().p50()).isEqualTo(39);
    assertThat(profile.endToEnd().p50()).isEqualTo(351);
    assertThat(profile.slowestRuns()).hasSize(3);
  }

  @Test
  void countsModelCallsRetriedInsideANodeFromTheirEvents() {
    Recording plain = recording(4);
    List<Recording.EventRecord> events = new ArrayList<>(plain.events());
    long at = T0 + 50;
    events.addFirst(new Recording.EventRecord(at, event("run-0", RunEventType.RETRY_SCHEDULED, "fast", at, 0, null), "tp-in-0"));
    events.addFirst(new Recording.EventRecord(at, event("run-2", RunEventType.RETRY_SCHEDULED, "fast", at, 0, null), "tp-in-2"));
    Recording retried = new Recording("g", plain.ingress(), plain.hops(), events, plain.results(), plain.deadLetters());

    Profile profile = Profiler.profile(retried, 1);

    assertThat(profile.nodes().get("fast").retries()).isEqualTo(2);
    assertThat(profile.nodes().get("fast").executions()).as("a retry is no execution").isEqualTo(4);
    assertThat(profile.nodes().get("slow").retries()).isZero();
  }

  @Test
  void countsAnInputHandledTwiceOnceAndAJoinsFreshAttemptAgainAndARunsResultOnce() {
    Recording plain = recording(4);
    List<Recording.EventRecord> events = new ArrayList<>(plain.events());
    // redeliveries answered from the checkpoint re-send the same NODE_COMPLETED, later
    for (Recording.EventRecord record : plain.events()) {
      boolean fastOfRun2 = record.event().getRunId().equals("run-2") && record.event().getNode().equals("fast");
      boolean slowOfRun1 = record.event().getRunId().equals("run-1") && record.event().getNode().equals("slow");
      if (record.event().getType() == RunEventType.NODE_COMPLETED && (fastOfRun2 || slowOfRun1)) {
        events.add(new Recording.EventRecord(record.timestamp() + 5_000, record.event(), record.traceparent()));
      }
    }
    // a join asked run-3's slow branch again: the same input at attempt 2 is a new execution
    RunEvent again = event("run-3", RunEventType.NODE_COMPLETED, "slow", T0 + 9_000, 210, 200L);
    again.setAttempt(2);
    events.add(new Recording.EventRecord(T0 + 9_000, again, "tp-3"));
    // a run cancelled at fast, its end event sent twice
    RunEvent cancelled = event("run-9", RunEventType.RUN_CANCELLED, "fast", T0 + 9_500, 0, null);
    events.add(new Recording.EventRecord(T0 + 9_500, cancelled, "tp-in-9"));
    events.add(new Recording.EventRecord(T0 + 14_500, cancelled, "tp-in-9"));
    // and run-1's result went out again with them
    List<Recording.ResultRecord> results = new ArrayList<>(plain.results());
    results.add(new Recording.ResultRecord(results.get(1).timestamp() + 5_000, results.get(1).result()));
    Recording redelivered = new Recording("g", plain.ingress(), plain.hops(), events, results, plain.deadLetters());

    Profile profile = Profiler.profile(redelivered, 4);

    assertThat(profile.nodes().get("fast").executions()).isEqualTo(4);
    assertThat(profile.nodes().get("fast").tokensIn()).isEqualTo(4 * 15);
    assertThat(profile.nodes().get("fast").errors()).as("the cancelled run").isEqualTo(1);
    assertThat(profile.nodes().get("slow").executions()).isEqualTo(5);
    assertThat(profile.nodes().get("slow").retries()).as("the join's second attempt").isEqualTo(1);
    assertThat(profile.edges().get("fast->slow").transit().count()).isEqualTo(5);
    assertThat(profile.runs()).isEqualTo(4);
    assertThat(profile.succeeded()).isEqualTo(4);
    assertThat(profile.endToEnd().count()).isEqualTo(4);
    assertThat(profile.slowestRuns()).extracting(Profile.RunProfile::runId).doesNotHaveDuplicates();
    assertThat(profile.throughput().completions().stream().mapToLong(Long::longValue).sum()).isEqualTo(4);
    assertThat(profile.slowestRuns()).filteredOn(r -> r.runId().equals("run-1")).singleElement()
        .satisfies(r -> assertThat(r.criticalPath()).extracting(Profile.Step::node).containsExactly("fast", "slow"));
  }

  @Test
  void rebuildsTheCriticalPathFromHopsAndInputIds() {
    Profile profile = Profiler.profile(recording(1), 1);
    Profile.RunProfile run = profile.slowestRuns().getFirst();
    assertThat(run.endToEndMs()).isEqualTo(351);
    assertThat(run.criticalPath()).containsExactly(
        new Profile.Step("fast", T0, T0 + 40, T0 + 100),
        new Profile.Step("slow", T0 + 100, T0 + 140, T0 + 350));
  }

  @Test
  void countsArrivalsAndCompletionsOverTime() {
    Profile.Throughput t = Profiler.profile(recording(50), 1).throughput();
    assertThat(t.arrivals().stream().mapToLong(Long::longValue).sum()).isEqualTo(50);
    assertThat(t.completions().stream().mapToLong(Long::longValue).sum()).isEqualTo(50);
    assertThat(t.meanArrivalRate()).isBetween(9.0, 10.5);
  }

  @Test
  void servesRecordedOutputsByRunNodeAndInputAcrossNewRunIds() {
    RecordedOutputs outputs = RecordedOutputs.of(ProfilerTest.recording(2), Map.of());
    outputs.alias("new-run", "run-1");
    var fast = outputs.find("new-run", "fast", InputIds.ofIngress("new-run")).orElseThrow();
    assertThat(new String(fast.payload(), StandardCharsets.UTF_8)).isEqualTo("summary");
    assertThat(fast.tokensIn()).isEqualTo(15);
    assertThat(fast.modelMillis()).isEqualTo(50);
    String slowInput = InputIds.child(InputIds.ofIngress("new-run"), "fast", "slow");
    var slow = outputs.find("new-run", "slow", slowInput).orElseThrow();
    assertThat(new String(slow.payload(), StandardCharsets.UTF_8)).isEqualTo("answer 1");
    assertThat(outputs.find("new-run", "slow", "not-an-input")).isEmpty();
    assertThat(outputs.find("unknown-run", "fast", InputIds.ofIngress("unknown-run"))).isEmpty();
    assertThat(outputs.served()).isEqualTo(2);
    assertThat(outputs.missed()).isEqualTo(2);
    assertThat(outputs.misses()).first().asString().contains("new-run", "slow", "not-an-input");
  }
}
