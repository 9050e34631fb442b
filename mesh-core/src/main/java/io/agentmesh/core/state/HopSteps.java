package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;
import static io.agentmesh.core.state.MeshRedis.text;

import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The Redis work of one hop at a node, as two scripts: one before the node runs (record its start,
 * read its checkpoint and the run's state) and one after (record its output and its finish,
 * charge its tokens, read the run record when the run may end). They do what several calls of the
 * stores they touch did (a node-start script, {@link Checkpoints#find},
 * {@link RunState#get}; {@link Checkpoints#save}, a node-finish update,
 * {@link RunRecords#addTokens}, {@link RunRecords#get}), one command per step instead of two to
 * four: a task's first node no longer waits a round trip for its admission, and fewer commands
 * queue on the process's one connection (BENCHMARKS.md Run J: a hop waits ~40% less, at the same
 * CPU). The keys share the run's hash tag, so each script runs on one Redis Cluster slot.
 */
public final class HopSteps {

  private static final long NOT_ITS_RUNS_TASK = -1;
  private static final long CANCELLED = 0;

  private final MeshRedis redis;

  HopSteps(MeshRedis redis) {
    this.redis = redis;
  }

  /** What {@link #beforeNode} found. */
  public sealed interface Start {
  }

  /** The task is not its run's own (another task started the run): nothing was recorded. */
  public record NotItsRunsTask() implements Start {
  }

  /** Someone asked to cancel the run: nothing was recorded. */
  public record Cancelled() implements Start {
  }

  /**
   * The node's start was recorded (a PENDING run is now RUNNING).
   *
   * @param attempts the node's attempt count on this run, this start included
   * @param checkpoint the node's recorded output for this input, if it ran before
   * @param state the run's shared state
   */
  public record Started(long attempts, Optional<Checkpoint> checkpoint, Versioned<Map<String, Object>> state)
      implements Start {
  }

  /**
   * Before a node runs, in one script: unless the run was cancelled, records that the node started
   * (a PENDING run becomes RUNNING; the node's start time and attempt count), and reads the node's checkpoint for {@code inputId} and the
   * run's state. For a task ({@code taskOrigin} present, after {@link RunRecords#admit} on the same
   * connection) it records nothing unless the run's record names that task as the run's own, so a
   * task that was not admitted never writes to the run its id names.
   */
  public CompletionStage<Start> beforeNode(String runId, String node, String inputId, Optional<String> taskOrigin) {
    Objects.requireNonNull(inputId, "inputId");
    Objects.requireNonNull(taskOrigin, "taskOrigin");
    byte[] now = bytes(redis.clock().millis());
    String stateKey = redis.keys().state(runId);
    String[] keys = {redis.keys().run(runId), redis.keys().checkpoint(runId, node, inputId), stateKey};
    return redis.<List<Object>>eval(LuaScript.HOP_BEFORE_NODE, ScriptOutputType.MULTI, keys,
            redis.ttlArg(), bytes(RunRecords.STATUS), bytes(RunStatus.PENDING.name()), bytes(RunStatus.RUNNING.name()),
            bytes(RunRecords.nodeField(node, RunRecords.N_ATTEMPTS)), bytes(RunRecords.CANCEL_REQUESTED),
            bytes(RunRecords.ORIGIN), bytes(taskOrigin.orElse("")),
            bytes(RunState.VERSION), bytes(RunState.VALUE),
            bytes(RunRecords.nodeField(node, RunRecords.N_STARTED)), now,
            bytes(RunRecords.UPDATED_AT), now)
        .thenApply(reply -> {
          long code = (Long) reply.get(0);
          if (code == NOT_ITS_RUNS_TASK) {
            return new NotItsRunsTask();
          }
          if (code == CANCELLED) {
            return new Cancelled();
          }
          Optional<Checkpoint> checkpoint = Checkpoints.decode(runId, node, inputId, fields(reply.get(1)));
          return new Started(code, checkpoint, redis.runState().decode(stateKey, (byte[]) reply.get(2), (byte[]) reply.get(3)));
        });
  }

  /**
   * What {@link #afterNode} did and read.
   *
   * @param recorded whether this call recorded the checkpoint (false: one was recorded before)
   * @param tokens the run's budget counter after the charge, 0 when none was made
   * @param run the run record after the call, when asked for
   */
  public record Recorded(boolean recorded, long tokens, Optional<RunRecord> run) {
  }

  /**
   * After a node ran, in one script: records its output for this input unless one is recorded (as
   * {@link Checkpoints#save}) and, only when this call recorded it, the node's finish with the
   * checkpoint's times and tokens added to the node's and the run's sums; charges the checkpoint's
   * tokens to the run's budget (as {@link RunRecords#addTokens}, when not 0); and, when
   * {@code readRun}, reads the run record after all that, so a result built from it reports this
   * node's tokens too.
   *
   * <p>This is the one place a node's finish is recorded (D-023). It counts once per input: a
   * redelivered input finds its checkpoint and does not come here, and of two duplicates that both
   * ran the node only the one whose output is kept counts. Both charge the budget: both spent the
   * tokens.
   */
  public CompletionStage<Recorded> afterNode(Checkpoint checkpoint, boolean readRun) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    String runId = checkpoint.runId();
    String node = checkpoint.node();
    byte[] now = bytes(redis.clock().millis());
    List<byte[]> increments = RunRecords.finishIncrements(node, checkpoint.serviceMs(), checkpoint.modelMicros(),
        checkpoint.tokensIn(), checkpoint.tokensOut());
    String[] keys = {redis.keys().run(runId), redis.keys().checkpoint(runId, node, checkpoint.inputId())};
    List<byte[]> args = new ArrayList<>(24 + increments.size());
    args.add(redis.ttlArg());
    args.add(bytes(readRun ? "1" : ""));
    args.add(bytes(RunRecords.TOKENS));
    args.add(bytes(checkpoint.tokensIn() + checkpoint.tokensOut()));
    args.add(bytes(RunRecords.UPDATED_AT));
    args.add(now);
    args.add(bytes(Checkpoints.GUARD));
    args.add(bytes(1)); // field/value pairs to set: the finish time
    args.add(bytes(increments.size() / 2));
    args.add(bytes(RunRecords.nodeField(node, RunRecords.N_FINISHED)));
    args.add(now);
    args.addAll(increments);
    args.addAll(Checkpoints.fields(checkpoint));
    return redis.<List<Object>>eval(LuaScript.HOP_AFTER_NODE, ScriptOutputType.MULTI, keys, args.toArray(byte[][]::new))
        .thenApply(reply -> new Recorded((Long) reply.get(0) == 1L, (Long) reply.get(1),
            readRun ? RunRecords.decode(runId, fields(reply.get(2))) : Optional.empty()));
  }

  /** A script's flat field, value list (as HGETALL answers inside Lua) as a map. */
  private static Map<String, byte[]> fields(Object reply) {
    List<?> flat = (List<?>) reply;
    Map<String, byte[]> fields = new HashMap<>(flat.size());
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      fields.put(text((byte[]) flat.get(i)), (byte[]) flat.get(i + 1));
    }
    return fields;
  }
}
