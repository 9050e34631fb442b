package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;
import static io.agentmesh.core.state.MeshRedis.text;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Node outputs recorded per exact input (run, node, input id), and short claims that keep two
 * replicas from working on the same redelivered input at once.
 *
 * <p>A checkpoint is a hash written by one Lua script (fields and TTL together). {@link #save}
 * keeps the first recorded output: when two duplicates both reached the model, every later
 * redelivery re-emits the same answer.
 */
public final class Checkpoints {

  private static final String OUTPUT = "output";
  private static final String CONTENT_TYPE = "contentType";
  private static final String TOKENS_IN = "tokensIn";
  private static final String TOKENS_OUT = "tokensOut";
  private static final String SERVICE_MS = "serviceMs";
  private static final String MODEL_US = "modelUs";
  /** Whole milliseconds, as versions before {@link #MODEL_US} wrote it; read when that is absent. */
  private static final String MODEL_LATENCY_MS = "modelLatencyMs";
  private static final String RECORDED_AT = "recordedAt";
  private static final String HOPS = "hops";
  /** The field of a checkpoint hash that is present once one is recorded. */
  static final String GUARD = RECORDED_AT;

  private final MeshRedis redis;

  Checkpoints(MeshRedis redis) {
    this.redis = redis;
  }

  /** The checkpoint of this exact input, if one was recorded. */
  public CompletionStage<Optional<Checkpoint>> find(String runId, String node, String inputId) {
    String key = redis.keys().checkpoint(runId, node, inputId);
    return redis.commands().hgetall(key).thenApply(fields -> decode(runId, node, inputId, fields));
  }

  /** Records a checkpoint unless one exists for the same input (the first one is kept). */
  public CompletionStage<Void> save(Checkpoint checkpoint) {
    return saveIfAbsent(checkpoint).thenApply(written -> null);
  }

  /** Records a checkpoint unless one exists; true when this one was written. */
  public CompletionStage<Boolean> saveIfAbsent(Checkpoint checkpoint) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    String key = redis.keys().checkpoint(checkpoint.runId(), checkpoint.node(), checkpoint.inputId());
    List<byte[]> args = new ArrayList<>();
    args.add(redis.ttlArg());
    args.add(bytes(GUARD));
    args.addAll(fields(checkpoint));
    return redis.<Long>eval(LuaScript.HASH_WRITE, ScriptOutputType.INTEGER, key, args.toArray(byte[][]::new))
        .thenApply(written -> written == 1L);
  }

  /** A checkpoint's field, value pairs as its hash holds them. */
  static List<byte[]> fields(Checkpoint checkpoint) {
    List<byte[]> args = new ArrayList<>(16);
    pair(args, OUTPUT, checkpoint.output());
    pair(args, CONTENT_TYPE, bytes(checkpoint.contentType()));
    pair(args, TOKENS_IN, bytes(checkpoint.tokensIn()));
    pair(args, TOKENS_OUT, bytes(checkpoint.tokensOut()));
    pair(args, SERVICE_MS, bytes(checkpoint.serviceMs()));
    pair(args, MODEL_US, bytes(checkpoint.modelMicros()));
    pair(args, RECORDED_AT, bytes(checkpoint.recordedAt().toEpochMilli()));
    checkpoint.hops().ifPresent(hops -> pair(args, HOPS, hops));
    return args;
  }

  /**
   * Claims an input for {@code owner} for {@code ttl} (SET NX PX); true when this caller got it.
   * A claim that is not released expires, so a crashed owner blocks nobody for long.
   */
  public CompletionStage<Boolean> claim(String runId, String node, String inputId, String owner, Duration ttl) {
    Objects.requireNonNull(owner, "owner");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("claim ttl must be at least 1 ms, got " + ttl);
    }
    String key = redis.keys().claim(runId, node, inputId);
    return redis.commands().set(key, bytes(owner), SetArgs.Builder.nx().px(ttl.toMillis()))
        .thenApply("OK"::equals);
  }

  /** Releases a claim if {@code owner} still holds it; true when released. */
  public CompletionStage<Boolean> release(String runId, String node, String inputId, String owner) {
    Objects.requireNonNull(owner, "owner");
    String key = redis.keys().claim(runId, node, inputId);
    return redis.<Long>eval(LuaScript.CLAIM_RELEASE, ScriptOutputType.INTEGER, key, bytes(owner))
        .thenApply(released -> released == 1L);
  }

  private static void pair(List<byte[]> args, String field, byte[] value) {
    args.add(bytes(field));
    args.add(value);
  }

  /** The checkpoint a hash's fields hold, or empty when they hold none. */
  static Optional<Checkpoint> decode(String runId, String node, String inputId, Map<String, byte[]> f) {
    if (f == null || !f.containsKey(RECORDED_AT)) {
      return Optional.empty();
    }
    long modelMicros = f.containsKey(MODEL_US)
        ? Long.parseLong(text(f.get(MODEL_US)))
        : Long.parseLong(text(f.get(MODEL_LATENCY_MS))) * 1000;
    return Optional.of(new Checkpoint(runId, node, inputId,
        f.get(OUTPUT),
        text(f.get(CONTENT_TYPE)),
        Long.parseLong(text(f.get(TOKENS_IN))),
        Long.parseLong(text(f.get(TOKENS_OUT))),
        // written before the service time was kept: the model time, the part of it that is known
        f.containsKey(SERVICE_MS) ? Long.parseLong(text(f.get(SERVICE_MS))) : Math.round(modelMicros / 1000.0),
        modelMicros,
        Instant.ofEpochMilli(Long.parseLong(text(f.get(RECORDED_AT)))),
        Optional.ofNullable(f.get(HOPS))));
  }
}
