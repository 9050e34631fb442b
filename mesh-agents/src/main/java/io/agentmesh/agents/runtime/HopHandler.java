package io.agentmesh.agents.runtime;

import static io.agentmesh.schemas.serde.WireCodec.bytes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.agents.model.Attempt;
import io.agentmesh.agents.model.FatalModelException;
import io.agentmesh.agents.model.ModelDeadlineException;
import io.agentmesh.agents.model.ModelException;
import io.agentmesh.agents.model.RetriesExhaustedException;
import io.agentmesh.core.graph.Edge;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.InputSchema;
import io.agentmesh.core.graph.RunInfo;
import io.agentmesh.core.state.Checkpoint;
import io.agentmesh.core.state.ClaimCheck;
import io.agentmesh.core.state.HopSteps;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.RedisKeys;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.core.state.RunRecords;
import io.agentmesh.core.wire.IngressJson;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.core.wire.TaskInput;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.Budget;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.FanOut;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunError;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunEventType;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.avro.Task;
import io.agentmesh.schemas.avro.TraceContext;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's handling of one record at one node: decode (Avro or ingress JSON), check the run's
 * guards, answer from the checkpoint or run the node and checkpoint its output, route, and return
 * the hops, events and result to publish. Runs on a virtual thread; blocks on Redis and models.
 *
 * <p>Effects once: the node's output for (run, node, input id) is saved in Redis before anything
 * is published, and a redelivered input whose checkpoint exists re-emits it without a new call.
 * Input ids of outgoing hops are derived from the incoming one, so a re-emit is the same message.
 */
final class HopHandler implements RecordHandler {

  static final String HEADER_TRACEPARENT = "traceparent";
  static final String HEADER_ATTEMPT = "mesh-attempt";
  static final String HEADER_FROM_NODE = "mesh-from-node";
  /** Content type of the routing decision a classifier router records in its NODE_COMPLETED event. */
  static final String DECISION_CONTENT_TYPE = "application/json";
  private static final Logger LOG = LoggerFactory.getLogger(HopHandler.class);
  private static final ObjectMapper JSON = JsonMappers.create();
  private static final MessageDigest SHA_256 = sha256();

  private final Graph graph;
  private final String node;
  private final TopicNames topics;
  private final WireCodec codec;
  private final MeshRedis redis;
  private final NodeExecutor executor;
  private final RuntimeMetrics metrics;
  private final Clock clock;
  private final boolean announcesRuns;
  /** Whether an edge of this node goes to END: then the run record is read with the hop's last Redis calls. */
  private final boolean mayEnd;
  private final Optional<InputSchema> inputSchema;
  private final NodeOutputSource replay;
  /** Whether the node is a router whose classifier model picks the route (its label is not its output). */
  private final boolean classifies;
  /** The hop's two Redis round trips, timed (mesh.state.latency). */
  private final Timer beforeNodeLatency;
  private final Timer afterNodeLatency;

  HopHandler(Graph graph, String node, TopicNames topics, WireCodec codec, MeshRedis redis, NodeExecutor executor,
             RuntimeMetrics metrics, Clock clock) {
    this(graph, node, topics, codec, redis, executor, metrics, clock, null);
  }

  /** @param replay recorded outputs served instead of model calls; null to call models */
  HopHandler(Graph graph, String node, TopicNames topics, WireCodec codec, MeshRedis redis, NodeExecutor executor,
             RuntimeMetrics metrics, Clock clock, NodeOutputSource replay) {
    this.graph = graph;
    this.node = node;
    this.topics = topics;
    this.codec = codec;
    this.redis = redis;
    this.executor = executor;
    this.metrics = metrics;
    this.clock = clock;
    this.announcesRuns = graph.entryNodes().getFirst().equals(node);
    this.mayEnd = graph.outgoing(node).stream().anyMatch(edge -> edge.to().contains(Edge.END));
    this.inputSchema = InputSchema.of(graph);
    this.replay = replay;
    this.classifies = graph.node(node) instanceof io.agentmesh.core.graph.RouterNode router && router.classifier().isPresent();
    this.beforeNodeLatency = metrics.stateLatency(node, "before");
    this.afterNodeLatency = metrics.stateLatency(node, "after");
  }

  @Override
  public Outcome handle(ConsumerRecord<byte[], byte[]> record) {
    boolean ingress = record.topic().equals(topics.ingress());
    Hop hop;
    Map<String, String> metadata = Map.of();
    try {
      if (ingress) {
        IngressTask task = fromIngress(record);
        hop = task.hop();
        metadata = task.metadata();
      } else {
        hop = codec.decode(record.topic(), record.value(), Hop.class);
      }
    } catch (RuntimeException poison) {
      return poison(record, poison);
    }
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    Optional<String> badRunId = ingress ? RedisKeys.runIdProblem(hop.getRunId()) : Optional.empty();
    if (badRunId.isPresent()) {
      return refusedTask(record, hop, "the task at " + origin(record) + " cannot start a run: " + badRunId.get());
    }
    // not awaited here: the connection runs commands in order, so the record is in place before
    // anything this hop reads or writes next, and the admission shares their round trip
    CompletionStage<RunRecords.Admission> admission = ingress
        ? redis.runRecords().admit(hop.getRunId(), graph.name(), graph.version(), origin(record), metadata) : null;
    if (ingress && announcesRuns) {
      out.add(event(hop, RunEventType.RUN_STARTED, null, 0, null, 0, 0));
    }
    try {
      if (ingress) {
        checkInput(hop);
      }
      return process(record, hop, out, admission);
    } catch (RunFailure failure) {
      return failedUnlessRefused(record, hop, failure, out, admission);
    } catch (RuntimeException error) {
      // not the node's failure but the mesh's own (Redis unreachable past its command timeout, a
      // claim check that cannot be read, a bug): the run fails like any other, with a dead letter
      // to redrive once the cause is fixed, so no caller waits for a result that never comes
      LOG.error("node '{}': run {}: the hop of the record at {} failed: {}; the run fails and the record is dead-lettered",
          node, hop.getRunId(), origin(record), error.toString(), error);
      RunFailure failure = RunFailure.deadLetter(ErrorCode.INTERNAL,
          "node '" + node + "': the mesh could not handle the hop: " + error, error);
      return failedUnlessRefused(record, hop, failure, out, admission);
    }
  }

  private Outcome failedUnlessRefused(ConsumerRecord<byte[], byte[]> record, Hop hop, RunFailure failure,
                                      List<ProducerRecord<byte[], byte[]>> out, CompletionStage<RunRecords.Admission> admission) {
    Optional<Outcome> refused = Optional.empty();
    if (admission != null) {
      try {
        refused = refused(record, hop, await(admission));
      } catch (RuntimeException unknown) {
        LOG.warn("node '{}': run {}: whether the task at {} is its run's own is unknown ({}); failing the run",
            node, hop.getRunId(), origin(record), unknown.toString());
      }
    }
    return refused.orElseGet(() -> failed(record, hop, failure, out));
  }

  private static String origin(ConsumerRecord<byte[], byte[]> record) {
    return record.topic() + "/" + record.partition() + "@" + record.offset();
  }

  /**
   * A task that is not its run's own: a second task with the same run id is ignored (counted and
   * logged; the run it names goes on or has its result already), and a run id of another graph's
   * run fails this task alone, leaving that run untouched.
   */
  private Optional<Outcome> refused(ConsumerRecord<byte[], byte[]> record, Hop hop, RunRecords.Admission admission) {
    switch (admission.verdict()) {
      case DUPLICATE -> {
        metrics.duplicateTask(node);
        LOG.info("node '{}': the task at {} names run {}, which the task at {} started; ignored (a run id names one run)",
            node, origin(record), hop.getRunId(), admission.detail());
        return Optional.of(Outcome.of(List.of()));
      }
      case OTHER_GRAPH -> {
        return Optional.of(refusedTask(record, hop, "run id '" + hop.getRunId() + "' already names a run of graph '"
            + admission.detail() + "'; a run id must be unique across the graphs that share this Redis"));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  /** A task that may not start its run fails alone: a dead letter and a failure result, nothing in Redis. */
  private Outcome refusedTask(ConsumerRecord<byte[], byte[]> record, Hop hop, String message) {
    RunError error = new RunError(ErrorCode.VALIDATION, message, node);
    metrics.deadLetter(node, ErrorCode.VALIDATION.name());
    return Outcome.of(List.of(
        DeadLetters.of(record, graph.name(), node, hop.getRunId(), RunFailure.of(ErrorCode.VALIDATION, message),
            topics.dlq(node), codec, clock),
        result(hop, RunStatus.FAILED, null, null, error, null),
        event(hop, RunEventType.RUN_FAILED, message.getBytes(StandardCharsets.UTF_8), 0, null, 0, 0)));
  }

  /**
   * The Redis work of a hop is two scripts ({@link HopSteps}): one before the node runs (its start,
   * which also checks the cancel flag, its checkpoint and the run state) and one after it (the
   * checkpoint with the node's finish, tokens, and the run record when the node may end the run;
   * D-023). A task's admission goes
   * out first on the same connection and shares the first script's round trip; the script records
   * nothing for a task the admission refused, so nothing is written to a run its task may not touch.
   */
  private Outcome process(ConsumerRecord<byte[], byte[]> record, Hop hop, List<ProducerRecord<byte[], byte[]>> out,
                          CompletionStage<RunRecords.Admission> admission) throws RunFailure {
    String runId = hop.getRunId();
    checkLimits(hop);
    long began = System.nanoTime();
    CompletionStage<HopSteps.Start> starting = redis.hopSteps().beforeNode(runId, node, hop.getInputId(),
        admission == null ? Optional.empty() : Optional.of(origin(record)));
    if (admission != null) {
      Optional<Outcome> refused = refused(record, hop, await(admission));
      if (refused.isPresent()) {
        return refused.get();
      }
    }
    HopSteps.Start start = await(starting);
    beforeNodeLatency.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
    if (start instanceof HopSteps.Cancelled) {
      throw RunFailure.of(ErrorCode.CANCELLED, "run " + runId + " was cancelled");
    }
    if (start instanceof HopSteps.NotItsRunsTask) {
      // admitted a moment ago, yet the record names another task as the run's own: a redrive
      // reopened the run in between, and the redriven task carries it on; this one yields
      metrics.duplicateTask(node);
      LOG.info("node '{}': run {}'s record no longer names the task at {} as its own (a redrive reopened it); ignored",
          node, runId, origin(record));
      return Outcome.of(List.of());
    }
    HopSteps.Started started = (HopSteps.Started) start;
    Map<String, Object> state = started.state().value();
    NodeOutput output;
    long serviceMs;
    Optional<RunRecord> runRead = Optional.empty();
    if (started.checkpoint().isPresent()) {
      metrics.checkpointHit(node);
      output = fromCheckpoint(started.checkpoint().get());
      // the node's measures as first recorded, so its re-sent NODE_COMPLETED matches the first
      serviceMs = started.checkpoint().get().serviceMs();
      if (graph.guards().tokenBudget().isPresent()) {
        // a redelivery after a crash between the checkpoint and the commit: the budget is checked
        // again, as the first delivery would have (the tokens were charged with the checkpoint)
        runRead = await(redis.runRecords().get(runId));
        checkBudget(runRead.map(RunRecord::tokens).orElse(0L));
      }
    } else {
      output = run(hop, payloadOf(hop), state);
      if (!output.stateUpdates().isEmpty()) {
        // before the checkpoint: a crash in between runs the node again, and the update, recorded
        // under this input's id, is not applied twice; after it, a crash would lose the update
        state = merged(runId, hop.getInputId(), output.stateUpdates());
      }
      // rounded as the model time is (NODE_COMPLETED): a floored 52.9 ms read below a rounded 52.6 ms
      serviceMs = Math.round((System.nanoTime() - began) / 1e6);
      // the node's finish is recorded with its checkpoint, before the run record is read: a result
      // built from the record reports this node's tokens too
      long recording = System.nanoTime();
      HopSteps.Recorded recorded = await(redis.hopSteps().afterNode(toCheckpoint(hop, output, serviceMs), mayEnd));
      afterNodeLatency.record(System.nanoTime() - recording, TimeUnit.NANOSECONDS);
      runRead = recorded.run();
      checkBudget(recorded.tokens());
    }
    if (hop.getDeadline() != null && clock.instant().isAfter(hop.getDeadline())) {
      // the node outlasted the run's deadline (retries, a slow model): the run ends here, the
      // node's output kept in its checkpoint for a redrive
      throw RunFailure.of(ErrorCode.DEADLINE_EXCEEDED, "run passed its deadline " + hop.getDeadline() + " while node '"
          + node + "' ran");
    }
    List<String> targets;
    List<String> bounded = new ArrayList<>();
    try {
      targets = graph.route(node, output.decision(), state, new RunInfo(runId, hop.getHopCount(), hop.getAttempt()),
          edge -> mayCross(hop, edge, bounded));
    } catch (RuntimeException e) {
      throw RunFailure.of(ErrorCode.NO_ROUTE, "node '" + node + "': a route condition failed: " + e.getMessage());
    }
    if (targets.isEmpty() && !bounded.isEmpty()) {
      throw RunFailure.of(ErrorCode.MAX_HOPS, "node '" + node + "': " + String.join(", ", bounded)
          + " and the node has no default edge to take instead");
    }
    if (targets.isEmpty()) {
      throw RunFailure.of(ErrorCode.NO_ROUTE, "node '" + node + "': no edge matched its output and it has no default edge");
    }
    // a classifier router's label is not in its output (it passes its input on): record it in the
    // event, so deterministic replay can route the same way without calling the model
    byte[] decision = classifies ? decisionJson(output) : null;
    out.addAll(retryEvents(hop, output.failedModelCalls()));
    out.add(event(hop, RunEventType.NODE_COMPLETED, decision, DECISION_CONTENT_TYPE, serviceMs, Math.round(output.modelMicros() / 1000.0),
        output.tokensIn(), output.tokensOut()));
    boolean ends = targets.contains(Edge.END);
    out.addAll(fanOut(hop, targets.stream().filter(t -> !t.equals(Edge.END)).toList(), output));
    if (!ends) {
      return Outcome.of(out);
    }
    RunRecord run = (runRead.isPresent() ? runRead : await(redis.runRecords().get(runId))).orElse(null);
    out.add(result(hop, RunStatus.SUCCEEDED, output.payload(), output.contentType(), null, run));
    out.add(event(hop, RunEventType.RUN_SUCCEEDED, null, serviceMs, null, 0, 0));
    return new Outcome(out, () -> redis.runRecords().succeed(runId, topics.results()).thenAccept(won -> {
      if (won) {
        metrics.runFinished("SUCCEEDED");
      }
    }));
  }

  private NodeOutput run(Hop hop, byte[] payload, Map<String, Object> state) throws RunFailure {
    if (replay != null && callsModels()) {
      return replayed(hop);
    }
    NodeCall call = new NodeCall(hop.getRunId(), graph.name(), node, hop.getInputId(), payload, hop.getContentType(), state,
        hop.getAttempt(), Optional.ofNullable(hop.getDeadline()),
        () -> await(redis.runRecords().isCancelRequested(hop.getRunId())));
    try {
      return executor.execute(call);
    } catch (RunFailure e) {
      throw e; // the executor decided how the run fails (a join's branch policy)
    } catch (ModelDeadlineException e) {
      throw deadlineCut(e);
    } catch (RetriesExhaustedException e) {
      throw RunFailure.deadLetter(ErrorCode.RETRIES_EXHAUSTED, "node '" + node + "': " + e.getMessage(), e);
    } catch (FatalModelException e) {
      throw RunFailure.deadLetter(ErrorCode.MODEL_ERROR, "node '" + node + "': " + e.getMessage(), e);
    } catch (ModelException e) {
      throw RunFailure.deadLetter(ErrorCode.RETRIES_EXHAUSTED, "node '" + node + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RunFailure.deadLetter(ErrorCode.INTERNAL, "node '" + node + "' was interrupted", e);
    } catch (Exception e) {
      // a model call made on another thread (a memory summary) comes back wrapped
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        if (cause instanceof ModelDeadlineException deadline) {
          throw deadlineCut(deadline);
        }
      }
      ErrorCode code = executor instanceof ToolExecutor ? ErrorCode.TOOL_ERROR : ErrorCode.INTERNAL;
      throw RunFailure.deadLetter(code, "node '" + node + "' failed: " + e, e);
    }
  }

  /** The run's deadline cut a model call, its retries or its fallback short: a guard, as before the node. */
  private RunFailure deadlineCut(ModelDeadlineException e) {
    return RunFailure.of(ErrorCode.DEADLINE_EXCEEDED, "run passed its deadline " + e.deadline() + " while node '"
        + node + "' waited for model '" + e.endpoint() + "'");
  }

  private boolean callsModels() {
    return executor instanceof LlmExecutor || classifies;
  }

  private static MessageDigest sha256() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.clone(); // the JDK's implementation clones; fail here, at class load, if one does not
      return digest;
    } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 is not available as a cloneable MessageDigest", e);
    }
  }

  private static byte[] jsonBytes(ObjectNode tree) {
    try {
      return JSON.writeValueAsBytes(tree);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }

  private static byte[] decisionJson(NodeOutput output) {
    try {
      return JSON.writeValueAsBytes(output.decision());
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Deterministic replay: the recorded output, or the run fails; a model is never called. */
  private NodeOutput replayed(Hop hop) throws RunFailure {
    NodeOutputSource.RecordedOutput recorded = replay.find(hop.getRunId(), node, hop.getInputId()).orElseThrow(() ->
        RunFailure.deadLetter(ErrorCode.MODEL_ERROR, "deterministic replay: no recorded output for run " + hop.getRunId()
            + ", node '" + node + "', input " + hop.getInputId() + "; the model was not called", null));
    Object decision = LlmExecutor.parseDecision(recorded.payload(), recorded.contentType());
    if (classifies) {
      if (recorded.decision() == null) {
        throw RunFailure.deadLetter(ErrorCode.MODEL_ERROR, "deterministic replay: classifier router '" + node
            + "' has no recorded label for run " + hop.getRunId() + " (recorded before labels were kept); the model was not called", null);
      }
      decision = LlmExecutor.parseDecision(recorded.decision(), DECISION_CONTENT_TYPE);
    }
    return new NodeOutput(recorded.payload(), recorded.contentType(), decision, Map.of(),
        recorded.tokensIn(), recorded.tokensOut(), recorded.modelMillis() * 1000);
  }

  /** A task whose input breaks the graph's input schema fails at once, naming the field, before any model call. */
  private void checkInput(Hop hop) throws RunFailure {
    if (inputSchema.isEmpty() || !hop.getContentType().startsWith("application/json")) {
      return;
    }
    List<InputSchema.Violation> violations;
    try {
      violations = inputSchema.get().check(JSON.readTree(bytes(hop.getPayload())));
    } catch (java.io.IOException e) {
      throw RunFailure.deadLetter(ErrorCode.VALIDATION, "the task's input is not JSON: " + e.getMessage(), null);
    }
    if (!violations.isEmpty()) {
      // the issue's rule for input a node cannot take: a dead letter at once, beside the failure result
      InputSchema.Violation first = violations.getFirst();
      throw RunFailure.deadLetter(ErrorCode.VALIDATION, violations.size() + " violation(s) of graph '" + graph.name()
          + "' input schema; first at " + first.field() + ": " + first.message(), null);
    }
  }

  /** The token budget against the run's budget counter after this node's charge. */
  private void checkBudget(long tokens) throws RunFailure {
    if (graph.guards().tokenBudget().isPresent() && tokens > graph.guards().tokenBudget().getAsLong()) {
      throw RunFailure.of(ErrorCode.BUDGET_EXCEEDED, "run used " + tokens + " tokens, over the budget of "
          + graph.guards().tokenBudget().getAsLong() + " (at node '" + node + "')");
    }
  }

  /** The guards a hop carries itself (hop count, deadline); the cancel flag is read with the hop's other Redis calls. */
  private void checkLimits(Hop hop) throws RunFailure {
    int maxHops = graph.guards().effectiveMaxHops();
    if (hop.getHopCount() >= maxHops) {
      throw RunFailure.of(ErrorCode.MAX_HOPS, "run reached " + hop.getHopCount() + " hops at node '" + node
          + "', the graph's maxHops is " + maxHops);
    }
    if (hop.getDeadline() != null && clock.instant().isAfter(hop.getDeadline())) {
      throw RunFailure.of(ErrorCode.DEADLINE_EXCEEDED, "run passed its deadline " + hop.getDeadline() + " before node '" + node + "'");
    }
  }

  /** A task from the ingress topic: the hop that starts its run, and its caller metadata. */
  private record IngressTask(Hop hop, Map<String, String> metadata) {}

  private IngressTask fromIngress(ConsumerRecord<byte[], byte[]> record) {
    byte[] input;
    String contentType;
    String runId;
    String idempotencyKey;
    Instant deadline;
    Map<String, String> metadata;
    if (WireCodec.looksLikeAvro(record.value())) {
      Task task = codec.decode(record.topic(), record.value(), Task.class);
      input = bytes(task.getInput());
      contentType = task.getContentType();
      runId = task.getRunId();
      idempotencyKey = task.getIdempotencyKey();
      deadline = task.getDeadline();
      metadata = task.getMetadata() == null ? Map.of() : task.getMetadata();
    } else {
      TaskInput task = IngressJson.parse(record.value());
      input = task.inputBytes();
      contentType = TaskInput.CONTENT_TYPE;
      runId = task.runId().orElse(null);
      idempotencyKey = task.idempotencyKey().orElse(null);
      deadline = task.deadline().orElse(null);
      metadata = task.metadata();
    }
    if (runId == null || runId.isBlank()) {
      // without a run id, the idempotency key names the run (a resubmission names the same run and
      // is ignored as its duplicate, docs/wire-format.md); else the record's key, the run id by
      // convention; else one derived from the record's place, so a redelivery is the same run
      runId = idempotencyKey != null && !idempotencyKey.isBlank() ? idempotencyKey
          : record.key() != null && record.key().length > 0 ? new String(record.key(), StandardCharsets.UTF_8)
          : UUID.nameUUIDFromBytes((record.topic() + "/" + record.partition() + "/" + record.offset()).getBytes(StandardCharsets.UTF_8)).toString();
    }
    Instant created = Instant.ofEpochMilli(record.timestamp());
    if (deadline == null && graph.guards().deadline().isPresent()) {
      deadline = created.plus(graph.guards().deadline().get());
    }
    return new IngressTask(Hop.newBuilder()
        .setRunId(runId)
        .setGraph(graph.name())
        .setGraphVersion(graph.version())
        .setFromNode(Edge.START)
        .setToNode(node)
        .setEdgeId(Edge.id(Edge.START, node))
        .setHopCount(0)
        .setAttempt(1)
        .setCreatedAt(created)
        .setEnqueuedAt(created)
        .setDeadline(deadline)
        .setTrace(new TraceContext(traceparentOf(record).orElseGet(HopHandler::newTraceparent), null))
        .setPayload(ByteBuffer.wrap(input))
        .setContentType(contentType)
        .setClaimCheck(null)
        .setBudget(graph.guards().tokenBudget().isPresent() ? new Budget(graph.guards().tokenBudget().getAsLong(), null) : null)
        .setFanOut(entryFanOut(runId))
        .setInputId(runId + ":" + Edge.START)
        .build(), metadata);
  }

  /** Several entry nodes are a fan-out from START: one branch each, so a join can gather them. */
  private FanOut entryFanOut(String runId) {
    List<String> entries = graph.entryNodes();
    return entries.size() < 2 ? null : new FanOut(runId + ":" + Edge.START, node, entries.indexOf(node), entries.size());
  }

  private byte[] payloadOf(Hop hop) {
    if (hop.getClaimCheck() == null) {
      return bytes(hop.getPayload());
    }
    io.agentmesh.schemas.avro.ClaimCheck ref = hop.getClaimCheck();
    return await(redis.claimCheck().get(new ClaimCheck.Reference(ref.getRedisKey(), ref.getSizeBytes(), ref.getSha256())));
  }

  /**
   * Whether a run may cross a bounded edge once more: counts the crossing in Redis (once per input,
   * so a redelivery decides the same way) and notes the edge in {@code bounded} when it may not.
   */
  private boolean mayCross(Hop hop, Edge edge, List<String> bounded) {
    int max = edge.maxIterations().getAsInt();
    String edgeId = edge.from() + "." + String.join(",", edge.to());
    long ordinal = await(redis.runRecords().crossEdge(hop.getRunId(), edgeId, hop.getInputId()));
    if (ordinal > max) {
      bounded.add("edge " + edge.from() + " -> " + String.join(",", edge.to()) + " reached its maxIterations (" + max + ")");
      return false;
    }
    return true;
  }

  /**
   * The hops to the targets: one per target, or one per list item on a {@code map} edge. Several
   * hops from one output form a fan-out (a join downstream collects them by fan-out id); a single
   * hop keeps the fan-out it belongs to. Ids derive from the input id, so a re-emit is identical.
   */
  private List<ProducerRecord<byte[], byte[]>> fanOut(Hop in, List<String> targets, NodeOutput output) throws RunFailure {
    List<ProducerRecord<byte[], byte[]>> hops = new ArrayList<>();
    List<String> plain = new ArrayList<>();
    for (String target : targets) {
      Optional<Edge> edge = graph.edge(node, target);
      if (edge.isPresent() && edge.get().map().isPresent()) {
        List<?> items = mapItems(edge.get(), output.decision());
        String fanOutId = sha256Hex(in.getInputId() + "|" + node + "|map|" + target).substring(0, 24);
        for (int i = 0; i < items.size(); i++) {
          Object item = items.get(i);
          byte[] payload;
          String contentType;
          if (item instanceof String text) {
            payload = text.getBytes(StandardCharsets.UTF_8);
            contentType = "text/plain; charset=utf-8";
          } else {
            try {
              payload = JSON.writeValueAsBytes(item);
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
            contentType = "application/json";
          }
          FanOut branch = new FanOut(fanOutId, target + "#" + i, i, items.size());
          hops.add(forward(in, target, payload, contentType, branch, enclosing(in), target + "#" + i));
        }
      } else {
        plain.add(target);
      }
    }
    boolean fans = plain.size() > 1;
    String fanOutId = fans ? sha256Hex(in.getInputId() + "|" + node + "|fan").substring(0, 24) : null;
    for (int i = 0; i < plain.size(); i++) {
      String target = plain.get(i);
      FanOut branch = fans ? new FanOut(fanOutId, target, i, plain.size()) : in.getFanOut();
      hops.add(forward(in, target, output.payload(), output.contentType(), branch,
          fans ? enclosing(in) : in.getEnclosingFanOuts(), target));
    }
    return hops;
  }

  /**
   * The fan-outs a new fan-out started by {@code in} sits inside: the one {@code in} belongs to,
   * then those it sits inside. The join that merges the new fan-out restores them, so a join can sit
   * in a branch of an outer fan-out.
   */
  private static List<FanOut> enclosing(Hop in) {
    if (in.getFanOut() == null) {
      return in.getEnclosingFanOuts();
    }
    List<FanOut> outer = new ArrayList<>(in.getEnclosingFanOuts().size() + 1);
    outer.add(in.getFanOut());
    outer.addAll(in.getEnclosingFanOuts());
    return outer;
  }

  /** The list a map edge fans out over, from the node's output as conditions see it. */
  private List<?> mapItems(Edge edge, Object decision) throws RunFailure {
    Object value = decision;
    for (String field : edge.mapFields()) {
      value = value instanceof Map<?, ?> object ? object.get(field) : null;
    }
    if (!(value instanceof List<?> items)) {
      throw RunFailure.of(ErrorCode.NO_ROUTE, "node '" + node + "': edge to '" + edge.to().getFirst() + "' maps over "
          + edge.map().get() + ", which is " + (value == null ? "absent" : "not a list") + " in the output");
    }
    if (items.isEmpty()) {
      throw RunFailure.of(ErrorCode.NO_ROUTE, "node '" + node + "': edge to '" + edge.to().getFirst() + "' maps over "
          + edge.map().get() + ", which is an empty list (nothing to fan out to)");
    }
    return items;
  }

  private ProducerRecord<byte[], byte[]> forward(Hop in, String target, byte[] payload, String contentType, FanOut fanOut,
                                                 List<FanOut> enclosingFanOuts, String branch) {
    String topic = topics.edge(node, target);
    Hop.Builder hop = Hop.newBuilder(in)
        .setFromNode(node)
        .setToNode(target)
        .setEdgeId(Edge.id(node, target))
        .setHopCount(in.getHopCount() + 1)
        .setAttempt(1)
        .setEnqueuedAt(clock.instant())
        .setTrace(new TraceContext(childTraceparent(in.getTrace()), in.getTrace() == null ? null : in.getTrace().getTracestate()))
        .setContentType(contentType)
        .setFanOut(fanOut)
        .setEnclosingFanOuts(enclosingFanOuts)
        .setInputId(childInputId(in.getInputId(), branch));
    if (redis.claimCheck().shouldOffload(payload.length)) {
      ClaimCheck.Reference ref = await(redis.claimCheck().put(in.getRunId(), payload));
      hop.setPayload(ByteBuffer.allocate(0)).setClaimCheck(io.agentmesh.schemas.avro.ClaimCheck.newBuilder()
          .setRedisKey(ref.key()).setSizeBytes(ref.size()).setSha256(ref.sha256()).build());
    } else {
      hop.setPayload(ByteBuffer.wrap(payload)).setClaimCheck(null);
    }
    Hop built = hop.build();
    return record(topic, built.getRunId(), codec.encode(topic, built), built);
  }

  private String childInputId(String inputId, String target) {
    return sha256Hex(inputId + "|" + node + "|" + target).substring(0, 32);
  }

  private ProducerRecord<byte[], byte[]> event(Hop hop, RunEventType type, byte[] detail, long serviceMs, Long modelMs,
                                               long tokensIn, long tokensOut) {
    return event(hop, type, detail, "text/plain; charset=utf-8", serviceMs, modelMs, tokensIn, tokensOut);
  }

  private ProducerRecord<byte[], byte[]> event(Hop hop, RunEventType type, byte[] detail, String detailType, long serviceMs,
                                               Long modelMs, long tokensIn, long tokensOut) {
    return event(hop, type, clock.instant(), detail, detailType, serviceMs, modelMs, tokensIn, tokensOut);
  }

  private ProducerRecord<byte[], byte[]> event(Hop hop, RunEventType type, Instant at, byte[] detail, String detailType,
                                               long serviceMs, Long modelMs, long tokensIn, long tokensOut) {
    RunEvent event = RunEvent.newBuilder()
        .setRunId(hop.getRunId())
        .setGraph(graph.name())
        .setType(type)
        .setNode(type == RunEventType.RUN_STARTED ? null : node)
        .setTimestamp(at)
        .setAttempt(hop.getAttempt())
        .setDetail(detail == null ? null : ByteBuffer.wrap(detail))
        .setDetailContentType(detail == null ? null : detailType)
        .setServiceMs(serviceMs)
        .setModelMs(modelMs)
        .setTokensIn(tokensIn)
        .setTokensOut(tokensOut)
        .build();
    return record(topics.events(), hop.getRunId(), codec.encode(topics.events(), event), hop);
  }

  /**
   * A RETRY_SCHEDULED event for each model call of the node that failed and was followed by another
   * (a retry, or the fallback), stamped when it failed. They go out with the node's other events,
   * when the node is done: retries happen inside the node, not as redeliveries.
   */
  private List<ProducerRecord<byte[], byte[]>> retryEvents(Hop hop, List<Attempt> failedCalls) {
    List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>(failedCalls.size());
    for (Attempt failed : failedCalls) {
      ObjectNode detail = JSON.createObjectNode()
          .put("endpoint", failed.endpoint())
          .put("failedAttempt", failed.number())
          .put("error", failed.failure())
          .put("message", failed.detail());
      events.add(event(hop, RunEventType.RETRY_SCHEDULED, failed.startedAt().plus(failed.latency()),
          jsonBytes(detail), "application/json", 0, null, 0, 0));
    }
    return events;
  }

  private ProducerRecord<byte[], byte[]> result(Hop hop, RunStatus status, byte[] output, String contentType, RunError error, RunRecord run) {
    RunResult result = RunResult.newBuilder()
        .setRunId(hop.getRunId())
        .setGraph(graph.name())
        .setGraphVersion(graph.version())
        .setStatus(status)
        .setOutput(output == null ? null : ByteBuffer.wrap(output))
        .setContentType(output == null ? null : contentType)
        .setError(error)
        .setStartedAt(hop.getCreatedAt())
        .setFinishedAt(clock.instant())
        .setHops(hop.getHopCount() + 1)
        .setTokensIn(run == null ? 0 : run.tokensIn())
        .setTokensOut(run == null ? 0 : run.tokensOut())
        .build();
    return record(topics.results(), hop.getRunId(), codec.encode(topics.results(), result), hop);
  }

  private Outcome failed(ConsumerRecord<byte[], byte[]> record, Hop hop, RunFailure failure, List<ProducerRecord<byte[], byte[]>> out) {
    String runId = hop.getRunId();
    RunRecord run;
    try {
      run = await(redis.runRecords().get(runId)).orElse(null);
    } catch (RuntimeException unreadable) {
      // the failure result goes out all the same, without the record's totals
      LOG.warn("node '{}': run {}: its record cannot be read ({}); publishing its failure without it",
          node, runId, unreadable.toString());
      run = null;
    }
    if (run != null && run.status().isTerminal()) {
      return Outcome.of(out); // another branch already ended the run: nothing more to say about it
    }
    if (failure.getCause() instanceof RetriesExhaustedException exhausted && !exhausted.attempts().isEmpty()) {
      // every failed call but the last was followed by another
      out.addAll(retryEvents(hop, exhausted.attempts().subList(0, exhausted.attempts().size() - 1)));
    }
    Optional<io.agentmesh.core.graph.JoinNode> join = failure.deadLetter() && hop.getFanOut() != null
        ? BranchFailures.joinToTell(graph, node) : Optional.empty();
    if (join.isPresent()) { // the join's onBranchFailure decides: continue without this branch, or retry it
      out.add(event(hop, RunEventType.NODE_FAILED, failure.getMessage().getBytes(StandardCharsets.UTF_8), 0, null, 0, 0));
      NodeOutput told = new NodeOutput(BranchFailures.encode(failure.code(), failure.getMessage(), node, hop),
          BranchFailures.CONTENT_TYPE, null, Map.of(), 0, 0, 0);
      out.add(forward(hop, join.get().name(), told.payload(), told.contentType(), hop.getFanOut(), hop.getEnclosingFanOuts(),
          join.get().name()));
      return Outcome.of(out);
    }
    RunError error = new RunError(failure.code(), failure.getMessage(), node);
    RunStatus status = failure.code() == ErrorCode.CANCELLED ? RunStatus.CANCELLED : RunStatus.FAILED;
    if (failure.deadLetter()) {
      out.add(DeadLetters.of(record, graph.name(), node, runId, failure.getCause() == null ? failure : failure.getCause(),
          topics.dlq(node), codec, clock));
      metrics.deadLetter(node, failure.code().name());
    }
    out.add(result(hop, status, null, null, error, run));
    out.add(event(hop, status == RunStatus.CANCELLED ? RunEventType.RUN_CANCELLED : RunEventType.RUN_FAILED,
        failure.getMessage().getBytes(StandardCharsets.UTF_8), 0, null, 0, 0));
    io.agentmesh.core.state.RunError stateError =
        new io.agentmesh.core.state.RunError(failure.code().name(), failure.getMessage(), Optional.of(node));
    io.agentmesh.core.state.RunStatus finalStatus = status == RunStatus.CANCELLED
        ? io.agentmesh.core.state.RunStatus.CANCELLED : io.agentmesh.core.state.RunStatus.FAILED;
    return new Outcome(out, () -> redis.runRecords().complete(runId, finalStatus, Optional.of(stateError), Optional.empty())
        .whenComplete((won, unmarked) -> {
          if (unmarked != null) {
            LOG.warn("node '{}': run {}: its failure was published but its record could not be marked {}: {}",
                node, runId, finalStatus, unmarked.toString());
          } else if (won) {
            metrics.runFinished(finalStatus.name());
          }
        }));
  }

  /** Undecodable bytes: dead-letter at once; when the key names a run, fail that run too. */
  private Outcome poison(ConsumerRecord<byte[], byte[]> record, RuntimeException error) {
    metrics.deadLetter(node, ErrorCode.POISON_MESSAGE.name());
    String runId = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    out.add(DeadLetters.of(record, graph.name(), node, runId, error, topics.dlq(node), codec, clock));
    if (runId == null || runId.isBlank() || record.topic().equals(topics.ingress())) {
      return Outcome.of(out); // no run started from these bytes
    }
    Hop placeholder = Hop.newBuilder()
        .setRunId(runId).setGraph(graph.name()).setGraphVersion(graph.version()).setFromNode("?").setToNode(node)
        .setEdgeId("?").setHopCount(0).setAttempt(1).setCreatedAt(Instant.ofEpochMilli(record.timestamp()))
        .setEnqueuedAt(Instant.ofEpochMilli(record.timestamp())).setDeadline(null).setTrace(null)
        .setPayload(ByteBuffer.allocate(0)).setContentType("application/octet-stream").setClaimCheck(null)
        .setBudget(null).setFanOut(null).setInputId("poison").build();
    String message = "node '" + node + "': undecodable message at " + record.topic() + "-" + record.partition() + "@"
        + record.offset() + ": " + error.getMessage();
    return failed(record, placeholder, RunFailure.of(ErrorCode.POISON_MESSAGE, message), out);
  }

  private ProducerRecord<byte[], byte[]> record(String topic, String runId, byte[] value, Hop cause) {
    RecordHeaders headers = new RecordHeaders();
    if (cause.getTrace() != null) {
      headers.add(HEADER_TRACEPARENT, cause.getTrace().getTraceparent().getBytes(StandardCharsets.US_ASCII));
    }
    headers.add(HEADER_ATTEMPT, Integer.toString(cause.getAttempt()).getBytes(StandardCharsets.US_ASCII));
    headers.add(HEADER_FROM_NODE, node.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(topic, null, runId.getBytes(StandardCharsets.UTF_8), value, headers);
  }

  private NodeOutput fromCheckpoint(Checkpoint checkpoint) {
    Object decision = checkpoint.hops()
        .map(bytes -> {
          try {
            return (Object) JSON.readValue(bytes, Object.class);
          } catch (java.io.IOException e) {
            return LlmExecutor.parseDecision(checkpoint.output(), checkpoint.contentType());
          }
        })
        .orElseGet(() -> LlmExecutor.parseDecision(checkpoint.output(), checkpoint.contentType()));
    return new NodeOutput(checkpoint.output(), checkpoint.contentType(), decision, Map.of(),
        checkpoint.tokensIn(), checkpoint.tokensOut(), checkpoint.modelMicros());
  }

  private Checkpoint toCheckpoint(Hop hop, NodeOutput output, long serviceMs) {
    // the checkpoint's optional bytes carry a classifier router's routing decision (its label is
    // not its payload); every other node's decision is its output parsed again (fromCheckpoint)
    byte[] decision = classifies ? decisionJson(output) : null;
    return new Checkpoint(hop.getRunId(), node, hop.getInputId(), output.payload(), output.contentType(),
        output.tokensIn(), output.tokensOut(), serviceMs, output.modelMicros(), clock.instant(), Optional.ofNullable(decision));
  }

  /**
   * Merges the node's state updates into the run state by the graph's reducers ({@code state:}),
   * once per (node, input id): on a CAS conflict the reducers run again on the newer state, and an
   * input processed twice (two replicas after a rebalance) changes the state once. An update of
   * the wrong type for its reducer fails the run, naming the key, the node and the types.
   */
  private Map<String, Object> merged(String runId, String inputId, Map<String, Object> updates) throws RunFailure {
    try {
      return await(redis.runState().updateOnce(runId, node + "|" + inputId,
          current -> graph.state().merged(current, updates, node), 20)).value();
    } catch (io.agentmesh.core.graph.StateMergeException e) {
      throw RunFailure.of(ErrorCode.VALIDATION, e.getMessage());
    }
  }

  static Optional<String> traceparentOf(ConsumerRecord<byte[], byte[]> record) {
    Header header = record.headers().lastHeader(HEADER_TRACEPARENT);
    return header == null ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.US_ASCII));
  }

  static String newTraceparent() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "00-" + HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong())
        + "-" + HexFormat.of().toHexDigits(random.nextLong()) + "-01";
  }

  private static String childTraceparent(TraceContext parent) {
    if (parent == null || parent.getTraceparent().length() != 55) {
      return newTraceparent();
    }
    String traceId = parent.getTraceparent().substring(3, 35);
    return "00-" + traceId + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + "-01";
  }


  static String sha256Hex(String text) {
    MessageDigest digest;
    try {
      // a copy of a prototype: looking the algorithm up among the providers was most of the cost
      digest = (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
    return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Waits for a Redis call. Without a timer of its own: every command of {@link MeshRedis} fails
   * with a {@code RedisCommandTimeoutException} once the Redis URI's timeout passes (60 s by
   * default), and a timed wait cost each hop a timer set and cancelled on the virtual threads'
   * scheduler: 5-7% of the mesh's CPU per run at zero model latency (BENCHMARKS.md Run O).
   */
  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Redis", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }
}
