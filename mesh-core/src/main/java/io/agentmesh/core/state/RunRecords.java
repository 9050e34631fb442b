package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;
import static io.agentmesh.core.state.MeshRedis.text;

import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Run records: one Redis hash per run holding the status, the graph, timestamps, counters, the
 * error, the result reference, the cancel flag, and per-node fields {@code node:<name>:<metric>}.
 *
 * <p>Every write is one Lua script, so fields, counters and the TTL change together, and the
 * terminal transition can check-and-set the status in one step: whichever of any number of
 * concurrent {@link #complete} calls runs first wins, the others see a terminal status and lose.
 * Timestamps are epoch milliseconds.
 */
public final class RunRecords {

  static final String STATUS = "status";
  private static final String GRAPH = "graph";
  private static final String GRAPH_VERSION = "graphVersion";
  private static final String CREATED_AT = "createdAt";
  static final String UPDATED_AT = "updatedAt";
  private static final String FINISHED_AT = "finishedAt";
  private static final String HOPS = "hops";
  static final String TOKENS = "tokens";
  private static final String TOKENS_IN = "tokensIn";
  private static final String TOKENS_OUT = "tokensOut";
  private static final String ERROR_CODE = "errorCode";
  private static final String ERROR_MESSAGE = "errorMessage";
  private static final String ERROR_NODE = "errorNode";
  private static final String RESULT_REF = "resultRef";
  static final String CANCEL_REQUESTED = "cancelRequested";
  static final String ORIGIN = "origin";
  /** Prefix of the fields that keep the task's metadata, one per key. */
  private static final String META_PREFIX = "meta:";

  private static final String NODE_PREFIX = "node:";
  static final String N_STARTED = "started";
  static final String N_FINISHED = "finished";
  private static final String N_SERVICE_MS = "serviceMs";
  private static final String N_MODEL_US = "modelUs";
  /** Whole milliseconds, as versions before {@link #N_MODEL_US} wrote it; added to it when read. */
  private static final String N_MODEL_MS = "modelMs";
  private static final String N_TOKENS_IN = "tokensIn";
  private static final String N_TOKENS_OUT = "tokensOut";
  static final String N_ATTEMPTS = "attempts";

  private final MeshRedis redis;

  RunRecords(MeshRedis redis) {
    this.redis = redis;
  }

  /** Creates the record of a new run as PENDING; false when the run already has one. */
  public CompletionStage<Boolean> create(String runId, String graph, String graphVersion) {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(graphVersion, "graphVersion");
    byte[] now = now();
    return redis.<Long>eval(LuaScript.HASH_WRITE, ScriptOutputType.INTEGER, redis.keys().run(runId),
            redis.ttlArg(), bytes(STATUS),
            bytes(STATUS), bytes(RunStatus.PENDING.name()),
            bytes(GRAPH), bytes(graph),
            bytes(GRAPH_VERSION), bytes(graphVersion),
            bytes(CREATED_AT), now,
            bytes(UPDATED_AT), now)
        .thenApply(written -> written == 1L);
  }

  /** What {@link #admit} found. {@code detail} is the other task's origin or the other graph. */
  public record Admission(Verdict verdict, String detail) {

    /** Whether the task starts or continues its run; false for a duplicate or another graph's run id. */
    public boolean admitted() {
      return verdict == Verdict.NEW || verdict == Verdict.CLAIMED || verdict == Verdict.SAME;
    }
  }

  /** How a task relates to the run its run id names. */
  public enum Verdict {
    /** No run had this id: the record was created. */
    NEW,
    /** The record was written before the task was published (by a gateway): the task now owns it. */
    CLAIMED,
    /** The task that started the run, delivered again (after a crash or a rewind). */
    SAME,
    /** Another task already started this run: a second submission of the same run id. */
    DUPLICATE,
    /** The run id already names a run of another graph. */
    OTHER_GRAPH
  }

  /**
   * Admits a task at ingress in one step: creates the run record as PENDING when there is none,
   * and remembers where the task that started the run sits ({@code origin}, e.g.
   * {@code topic/partition@offset}). A redelivery of that task is admitted again; a second task
   * naming the same run id is not (a run id names one run), nor a task whose run id belongs to a
   * run of another graph.
   */
  public CompletionStage<Admission> admit(String runId, String graph, String graphVersion, String origin) {
    return admit(runId, graph, graphVersion, origin, Map.of());
  }

  /**
   * {@link #admit(String, String, String, String)}, keeping the task's {@code metadata} in the record
   * when the task starts the run (NEW) or takes over a record a gateway wrote for it (CLAIMED).
   */
  public CompletionStage<Admission> admit(String runId, String graph, String graphVersion, String origin,
                                          Map<String, String> metadata) {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(graphVersion, "graphVersion");
    Objects.requireNonNull(origin, "origin");
    byte[] now = now();
    List<byte[]> args = new ArrayList<>(List.of(redis.ttlArg(), bytes(STATUS), bytes(RunStatus.PENDING.name()),
        bytes(GRAPH), bytes(graph),
        bytes(GRAPH_VERSION), bytes(graphVersion),
        bytes(CREATED_AT), bytes(UPDATED_AT), now,
        bytes(ORIGIN), bytes(origin)));
    metadata.forEach((key, value) -> {
      args.add(bytes(META_PREFIX + key));
      args.add(bytes(value));
    });
    return redis.<List<Object>>eval(LuaScript.RUN_ADMIT, ScriptOutputType.MULTI, redis.keys().run(runId),
            args.toArray(byte[][]::new))
        .thenApply(reply -> {
          String verdict = text((byte[]) reply.get(0));
          String detail = text((byte[]) reply.get(1));
          return new Admission(Verdict.valueOf(verdict.toUpperCase(Locale.ROOT).replace('-', '_')), detail);
        });
  }

  /** The field, increment pairs that record a node's finish: its times and tokens, and the run's tokens. */
  static List<byte[]> finishIncrements(String node, long serviceMs, long modelMicros, long tokensIn, long tokensOut) {
    if (serviceMs < 0 || modelMicros < 0 || tokensIn < 0 || tokensOut < 0) {
      throw new IllegalArgumentException("times and tokens must not be negative");
    }
    return List.of(
        bytes(nodeField(node, N_SERVICE_MS)), bytes(serviceMs),
        bytes(nodeField(node, N_MODEL_US)), bytes(modelMicros),
        bytes(nodeField(node, N_TOKENS_IN)), bytes(tokensIn),
        bytes(nodeField(node, N_TOKENS_OUT)), bytes(tokensOut),
        bytes(TOKENS_IN), bytes(tokensIn),
        bytes(TOKENS_OUT), bytes(tokensOut));
  }

  /** Charges tokens against the run's budget; returns the run's new total. */
  public CompletionStage<Long> addTokens(String runId, long tokens) {
    return increment(runId, TOKENS, tokens);
  }

  /** Counts hops against the run's hop limit; returns the run's new total. */
  public CompletionStage<Long> addHops(String runId, long hops) {
    return increment(runId, HOPS, hops);
  }

  /**
   * Counts one crossing of a bounded edge by the hop with {@code inputId} and returns its ordinal
   * (1 for the first). Idempotent per input: a redelivered hop gets the ordinal it got the first
   * time, so a redelivery never spends an iteration twice or changes the routing decision.
   */
  public CompletionStage<Long> crossEdge(String runId, String edgeId, String inputId) {
    Objects.requireNonNull(edgeId, "edgeId");
    Objects.requireNonNull(inputId, "inputId");
    return redis.eval(LuaScript.EDGE_CROSS, ScriptOutputType.INTEGER, redis.keys().edgeCrossings(runId, edgeId),
        redis.ttlArg(), bytes(inputId));
  }

  /**
   * Moves the run to a terminal status unless it already has one. Returns true for exactly one
   * caller per run: the one whose transition happened.
   */
  public CompletionStage<Boolean> complete(
      String runId, RunStatus status, Optional<RunError> error, Optional<String> resultRef) {
    Objects.requireNonNull(status, "status");
    if (!status.isTerminal()) {
      throw new IllegalArgumentException("complete needs a terminal status, got " + status);
    }
    List<byte[]> args = new ArrayList<>();
    args.add(redis.ttlArg());
    args.add(bytes(STATUS));
    List<RunStatus> terminal = Arrays.stream(RunStatus.values()).filter(RunStatus::isTerminal).toList();
    args.add(bytes(terminal.size()));
    terminal.forEach(s -> args.add(bytes(s.name())));
    byte[] now = now();
    pair(args, STATUS, bytes(status.name()));
    pair(args, FINISHED_AT, now);
    pair(args, UPDATED_AT, now);
    error.ifPresent(e -> {
      pair(args, ERROR_CODE, bytes(e.code()));
      pair(args, ERROR_MESSAGE, bytes(e.message()));
      e.node().ifPresent(n -> pair(args, ERROR_NODE, bytes(n)));
    });
    resultRef.ifPresent(ref -> pair(args, RESULT_REF, bytes(ref)));
    return redis.<Long>eval(LuaScript.RUN_COMPLETE, ScriptOutputType.INTEGER, redis.keys().run(runId),
            args.toArray(byte[][]::new))
        .thenApply(won -> won == 1L);
  }

  /** {@link #complete} with SUCCEEDED and a result reference. */
  public CompletionStage<Boolean> succeed(String runId, String resultRef) {
    return complete(runId, RunStatus.SUCCEEDED, Optional.empty(), Optional.of(resultRef));
  }

  /** {@link #complete} with FAILED and the error. */
  public CompletionStage<Boolean> fail(String runId, RunError error) {
    return complete(runId, RunStatus.FAILED, Optional.of(error), Optional.empty());
  }

  /**
   * Reopens a FAILED run whose input is being re-driven from its dead-letter topic: the status goes
   * back to RUNNING and the error, finish time and origin are cleared, so the run can complete
   * again (a re-driven task arrives at a new offset and is admitted as the run's task). The
   * record keeps a TTL (refreshed, as on every write). Returns false, changing nothing, when the run
   * has no record or is not FAILED.
   */
  public CompletionStage<Boolean> reopen(String runId) {
    return redis.<Long>eval(LuaScript.RUN_REOPEN, ScriptOutputType.INTEGER, redis.keys().run(runId),
            redis.ttlArg(), bytes(STATUS), bytes(RunStatus.FAILED.name()), bytes(RunStatus.RUNNING.name()),
            bytes(UPDATED_AT), now(),
            bytes(ERROR_CODE), bytes(ERROR_MESSAGE), bytes(ERROR_NODE), bytes(FINISHED_AT), bytes(ORIGIN))
        .thenApply(reopened -> reopened == 1L);
  }

  /** Asks for the run to be cancelled; workers see it through {@link #isCancelRequested}. */
  public CompletionStage<Void> requestCancel(String runId) {
    byte[] now = now();
    return this.<List<Long>>update(runId, List.of(bytes(CANCEL_REQUESTED), bytes(1), bytes(UPDATED_AT), now), List.of())
        .thenApply(values -> null);
  }

  /** Whether someone asked to cancel the run. */
  public CompletionStage<Boolean> isCancelRequested(String runId) {
    return redis.commands().hget(redis.keys().run(runId), CANCEL_REQUESTED)
        .thenApply(value -> "1".equals(text(value)));
  }

  /** The run's record, if it has one. */
  public CompletionStage<Optional<RunRecord>> get(String runId) {
    return redis.commands().hgetall(redis.keys().run(runId)).thenApply(fields -> decode(runId, fields));
  }

  private CompletionStage<Long> increment(String runId, String field, long by) {
    if (by < 0) {
      throw new IllegalArgumentException(field + " increment must not be negative, got " + by);
    }
    return this.<List<Long>>update(runId, List.of(bytes(UPDATED_AT), now()), List.of(bytes(field), bytes(by)))
        .thenApply(values -> values.get(0));
  }

  private <T> CompletionStage<T> update(String runId, List<byte[]> sets, List<byte[]> increments) {
    List<byte[]> args = new ArrayList<>(2 + sets.size() + increments.size());
    args.add(redis.ttlArg());
    args.add(bytes(sets.size() / 2));
    args.addAll(sets);
    args.addAll(increments);
    return redis.eval(LuaScript.HASH_UPDATE, ScriptOutputType.MULTI, redis.keys().run(runId),
        args.toArray(byte[][]::new));
  }

  private byte[] now() {
    return bytes(redis.clock().millis());
  }

  /** The record's field of one node's metric. */
  static String nodeField(String node, String metric) {
    Objects.requireNonNull(node, "node");
    if (node.isEmpty()) {
      throw new IllegalArgumentException("node must not be empty");
    }
    return NODE_PREFIX + node + ':' + metric;
  }

  private static void pair(List<byte[]> args, String field, byte[] value) {
    args.add(bytes(field));
    args.add(value);
  }

  /** The record a run hash's fields hold, or empty when they hold none. */
  static Optional<RunRecord> decode(String runId, Map<String, byte[]> f) {
    if (f == null || !f.containsKey(STATUS)) {
      return Optional.empty();
    }
    Map<String, Map<String, String>> perNode = new HashMap<>();
    Map<String, String> metadata = new HashMap<>();
    f.forEach((field, value) -> {
      int metricAt = field.lastIndexOf(':');
      if (field.startsWith(NODE_PREFIX) && metricAt > NODE_PREFIX.length()) {
        perNode.computeIfAbsent(field.substring(NODE_PREFIX.length(), metricAt), n -> new HashMap<>())
            .put(field.substring(metricAt + 1), text(value));
      } else if (field.startsWith(META_PREFIX)) {
        metadata.put(field.substring(META_PREFIX.length()), text(value));
      }
    });
    Map<String, NodeVisit> nodes = new HashMap<>();
    perNode.forEach((node, m) -> nodes.put(node, new NodeVisit(node,
        instant(m.get(N_STARTED)), instant(m.get(N_FINISHED)),
        number(m.get(N_SERVICE_MS)), number(m.get(N_MODEL_US)) + number(m.get(N_MODEL_MS)) * 1000,
        number(m.get(N_TOKENS_IN)), number(m.get(N_TOKENS_OUT)), number(m.get(N_ATTEMPTS)))));
    Optional<RunError> error = Optional.ofNullable(text(f.get(ERROR_CODE)))
        .map(code -> new RunError(code, Objects.requireNonNullElse(text(f.get(ERROR_MESSAGE)), ""),
            Optional.ofNullable(text(f.get(ERROR_NODE)))));
    return Optional.of(new RunRecord(runId,
        RunStatus.valueOf(text(f.get(STATUS))),
        Objects.requireNonNullElse(text(f.get(GRAPH)), ""),
        Objects.requireNonNullElse(text(f.get(GRAPH_VERSION)), ""),
        instant(text(f.get(CREATED_AT))),
        instant(text(f.get(UPDATED_AT))),
        instant(text(f.get(FINISHED_AT))),
        nodes,
        number(text(f.get(HOPS))),
        number(text(f.get(TOKENS))),
        number(text(f.get(TOKENS_IN))),
        number(text(f.get(TOKENS_OUT))),
        error,
        Optional.ofNullable(text(f.get(RESULT_REF))),
        "1".equals(text(f.get(CANCEL_REQUESTED))),
        metadata));
  }

  private static Optional<Instant> instant(String millis) {
    return Optional.ofNullable(millis).map(m -> Instant.ofEpochMilli(Long.parseLong(m)));
  }

  private static long number(String value) {
    return value == null ? 0 : Long.parseLong(value);
  }
}
