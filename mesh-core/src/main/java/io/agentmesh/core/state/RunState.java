package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Shared state of a run: a JSON object with a version, changed only by compare-and-set.
 *
 * <p>The state is a hash of two fields, the version and the JSON. A Lua script compares the
 * version and writes the new JSON and version in one step, so two writers that read the same
 * version cannot both succeed. {@link #update} reads, applies the change, and tries to set; on
 * a conflict it re-reads and re-applies the change to the newer state, so no update is lost —
 * the change function must therefore be free of side effects (it may run more than once).
 *
 * <p>An update may carry an id ({@link #updateOnce}): the script then records the id in the same
 * hash, in the same step as the new value, and skips an update whose id is recorded. A node's
 * output processed twice (a redelivery, two replicas after a rebalance) thus changes the state
 * once, which matters for reducers that are not idempotent ({@code sum}, {@code append}).
 */
public final class RunState {

  static final String VERSION = "version";
  static final String VALUE = "value";
  private static final String APPLIED = "applied:";
  private static final long SET = 1;
  private static final long APPLIED_BEFORE = 2;
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private final MeshRedis redis;

  RunState(MeshRedis redis) {
    this.redis = redis;
  }

  /** The run's state and its version; an empty map at version 0 when none was stored. */
  public CompletionStage<Versioned<Map<String, Object>>> get(String runId) {
    String key = redis.keys().state(runId);
    return redis.commands().hmget(key, VERSION, VALUE).thenApply(values -> decode(key, values));
  }

  /** Stores {@code newState} if the state is still at {@code expectedVersion}; true when stored. */
  public CompletionStage<Boolean> compareAndSet(String runId, long expectedVersion, Map<String, Object> newState) {
    return trySet(runId, expectedVersion, newState, null).thenApply(reply -> reply.code() == SET);
  }

  /**
   * Applies {@code change} to the current state and stores the result, retrying on conflicts up to
   * {@code maxRetries} times with a short jittered pause. The change runs on a virtual thread and
   * gets a private copy it may modify. Completes with the stored state, or with a
   * {@link StateConflictException} when every attempt lost; an exception from {@code change}
   * fails the stage and leaves the state as it was.
   */
  public CompletionStage<Versioned<Map<String, Object>>> update(
      String runId, Function<Map<String, Object>, Map<String, Object>> change, int maxRetries) {
    Objects.requireNonNull(change, "change");
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
    }
    return attempt(runId, null, change, 0, maxRetries);
  }

  /**
   * {@link #update}, once per {@code updateId}: when an update with this id was applied before,
   * completes with the stored state without calling {@code change}. The id is kept in the state
   * hash (same TTL), so it counts for the life of the run's state.
   */
  public CompletionStage<Versioned<Map<String, Object>>> updateOnce(
      String runId, String updateId, Function<Map<String, Object>, Map<String, Object>> change, int maxRetries) {
    Objects.requireNonNull(change, "change");
    if (Objects.requireNonNull(updateId, "updateId").isEmpty()) {
      throw new IllegalArgumentException("updateId must not be empty");
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
    }
    return attempt(runId, APPLIED + updateId, change, 0, maxRetries);
  }

  /** Whether an update with this id has been applied to the run's state. */
  public CompletionStage<Boolean> applied(String runId, String updateId) {
    return redis.commands().hexists(redis.keys().state(runId), APPLIED + updateId);
  }

  private CompletionStage<Versioned<Map<String, Object>>> attempt(String runId, String marker,
      Function<Map<String, Object>, Map<String, Object>> change, int attempt, int maxRetries) {
    return read(runId, marker).thenCompose(current -> current.applied()
        ? CompletableFuture.completedFuture(current.state())
        : CompletableFuture.supplyAsync(() -> new Versioned<>(current.state().version(),
                Objects.requireNonNull(change.apply(current.state().value()), "state change returned null")),
            redis.userExecutor())
        .thenCompose(next -> trySet(runId, next.version(), next.value(), marker).thenCompose(reply -> {
          if (reply.code() == SET) {
            return CompletableFuture.completedFuture(new Versioned<>(reply.version(), next.value()));
          }
          if (reply.code() == APPLIED_BEFORE) { // a twin of this update won since the read
            return get(runId);
          }
          if (attempt >= maxRetries) {
            return CompletableFuture.failedFuture(
                new StateConflictException(redis.keys().state(runId), attempt + 1));
          }
          long pauseMicros = ThreadLocalRandom.current().nextLong(50, 200L * Math.min(attempt + 1, 10));
          return CompletableFuture.supplyAsync(() -> null,
                  CompletableFuture.delayedExecutor(pauseMicros, TimeUnit.MICROSECONDS, redis.userExecutor()))
              .thenCompose(ignored -> attempt(runId, marker, change, attempt + 1, maxRetries));
        })));
  }

  /** The state as read, and whether the update marked {@code marker} (may be null) was applied already. */
  private record Read(Versioned<Map<String, Object>> state, boolean applied) {}

  private CompletionStage<Read> read(String runId, String marker) {
    if (marker == null) {
      return get(runId).thenApply(state -> new Read(state, false));
    }
    String key = redis.keys().state(runId);
    return redis.commands().hmget(key, VERSION, VALUE, marker)
        .thenApply(values -> new Read(decode(key, values), values.get(2).hasValue()));
  }

  /** The script's answer: {@link #SET} with the new version, 0 on a conflict, or {@link #APPLIED_BEFORE}. */
  private record Reply(long code, long version) {}

  private CompletionStage<Reply> trySet(String runId, long expectedVersion, Map<String, Object> newState, String marker) {
    Objects.requireNonNull(newState, "newState");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expectedVersion must not be negative, got " + expectedVersion);
    }
    byte[] value;
    try {
      value = redis.json().writeValueAsBytes(newState);
    } catch (JsonProcessingException e) {
      return CompletableFuture.failedFuture(new StateException("run state of " + runId + " is not JSON-serialisable", e));
    }
    byte[][] args = marker == null
        ? new byte[][] {redis.ttlArg(), bytes(expectedVersion), value, bytes(VERSION), bytes(VALUE)}
        : new byte[][] {redis.ttlArg(), bytes(expectedVersion), value, bytes(VERSION), bytes(VALUE), bytes(marker)};
    return redis.<List<Object>>eval(LuaScript.STATE_CAS, ScriptOutputType.MULTI, redis.keys().state(runId), args)
        .thenApply(reply -> new Reply((Long) reply.get(0), (Long) reply.get(1)));
  }

  private Versioned<Map<String, Object>> decode(String key, List<KeyValue<String, byte[]>> values) {
    return decode(key, values.get(0).getValueOrElse(null), values.get(1).getValueOrElse(null));
  }

  /** The state its hash's version and value fields hold; an empty map at version 0 when none. */
  Versioned<Map<String, Object>> decode(String key, byte[] version, byte[] json) {
    if (version == null || json == null) {
      return new Versioned<>(0, new LinkedHashMap<>());
    }
    try {
      return new Versioned<>(Long.parseLong(MeshRedis.text(version)), redis.json().readValue(json, MAP));
    } catch (IOException e) {
      throw new StateException("run state " + key + " does not hold a JSON object", e);
    }
  }
}
