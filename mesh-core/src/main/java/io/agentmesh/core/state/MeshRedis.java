package io.agentmesh.core.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.wire.JsonMappers;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Redis side of one mesh process: a Lettuce client, one shared connection, the Lua scripts,
 * and the state stores built on them.
 *
 * <p>One multiplexed connection serves every store: Lettuce pipelines commands from many threads
 * over it, and no store uses MULTI or blocking commands, which would stall or interleave on a
 * shared connection. Everything that must be atomic is a Lua script instead; scripts are loaded
 * once at connect (SCRIPT LOAD) and run with EVALSHA, falling back to EVAL when the server has
 * lost them (NOSCRIPT after a restart or SCRIPT FLUSH). Keys are UTF-8 strings, values raw bytes.
 *
 * <p>Stages returned by the stores complete on Lettuce's event loop. Cheap decoding happens
 * there; user code (state changes, summarisers) runs on virtual threads, never on the loop.
 * Callers must not block in callbacks they attach; use the {@code *Async} variants to hop off.
 */
public final class MeshRedis implements AutoCloseable {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final RedisAsyncCommands<String, byte[]> commands;
  private final StateConfig config;
  private final RedisKeys keys;
  private final Clock clock;
  private final ExecutorService userExecutor = Executors.newVirtualThreadPerTaskExecutor();
  private final ObjectMapper json = JsonMappers.create();

  private final Checkpoints checkpoints;
  private final ToolEffects toolEffects;
  private final RunRecords runRecords;
  private final RunState runState;
  private final AgentMemory memory;
  private final ClaimCheck claimCheck;
  private final HopSteps hopSteps;

  private MeshRedis(RedisClient client, StatefulRedisConnection<String, byte[]> connection,
      StateConfig config, Clock clock) {
    this.client = client;
    this.connection = connection;
    this.commands = connection.async();
    this.config = config;
    this.keys = RedisKeys.of(config);
    this.clock = clock;
    this.checkpoints = new Checkpoints(this);
    this.toolEffects = new ToolEffects(this);
    this.runRecords = new RunRecords(this);
    this.runState = new RunState(this);
    this.memory = new AgentMemory(this);
    this.claimCheck = new ClaimCheck(this);
    this.hopSteps = new HopSteps(this);
  }

  /** Connects with the default configuration. Blocks: call it from an ordinary thread. */
  public static MeshRedis connect(String redisUri) {
    return connect(redisUri, StateConfig.defaults(), Clock.systemUTC());
  }

  /**
   * Connects to {@code redis://host:port} and loads the Lua scripts. Blocks until both are done:
   * call it at start-up from an ordinary thread, never from an event loop.
   */
  public static MeshRedis connect(String redisUri, StateConfig config, Clock clock) {
    Objects.requireNonNull(redisUri, "redisUri");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    RedisClient client = RedisClient.create(RedisURI.create(redisUri));
    // every command, the asynchronous ones too, fails with a RedisCommandTimeoutException once the
    // URI's timeout has passed without an answer (60 s unless "?timeout=" says otherwise). Lettuce's
    // default since 6.5, set here all the same: callers wait for these futures without a timer of
    // their own, which cost the hop path CPU (BENCHMARKS.md Run O), so no wait may be endless
    // whatever a later version's default
    client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled()).build());
    try {
      StatefulRedisConnection<String, byte[]> connection =
          client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
      MeshRedis redis = new MeshRedis(client, connection, config, clock);
      redis.loadScripts();
      return redis;
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  /** The configuration the stores use. */
  public StateConfig config() {
    return config;
  }

  /** The key names. */
  public RedisKeys keys() {
    return keys;
  }

  /** Node checkpoints and their claims. */
  public Checkpoints checkpoints() {
    return checkpoints;
  }

  /** Recorded tool-call effects. */
  public ToolEffects toolEffects() {
    return toolEffects;
  }

  /** Run records, counters and the once-only terminal transition. */
  public RunRecords runRecords() {
    return runRecords;
  }

  /** Shared, versioned run state. */
  public RunState runState() {
    return runState;
  }

  /** Per-agent conversation memory. */
  public AgentMemory memory() {
    return memory;
  }

  /** Big payloads by reference. */
  public ClaimCheck claimCheck() {
    return claimCheck;
  }

  /** A hop's Redis work before and after its node, one script each. */
  public HopSteps hopSteps() {
    return hopSteps;
  }

  @Override
  public void close() {
    try {
      connection.close();
    } finally {
      client.shutdown();
      userExecutor.shutdown();
    }
  }

  // ---- for the stores of this package ----

  RedisAsyncCommands<String, byte[]> commands() {
    return commands;
  }

  Clock clock() {
    return clock;
  }

  ObjectMapper json() {
    return json;
  }

  /** Where user code (state changes, summarisers) runs: virtual threads, off the event loop. */
  ExecutorService userExecutor() {
    return userExecutor;
  }

  byte[] ttlArg() {
    return bytes(config.ttl().toMillis());
  }

  /** Runs a script on one key: EVALSHA, or EVAL when the server answers NOSCRIPT. */
  <T> CompletionStage<T> eval(LuaScript script, ScriptOutputType type, String key, byte[]... args) {
    return eval(script, type, new String[] {key}, args);
  }

  /** Runs a script on keys of one run (one hash tag): EVALSHA, or EVAL when the server answers NOSCRIPT. */
  <T> CompletionStage<T> eval(LuaScript script, ScriptOutputType type, String[] scriptKeys, byte[]... args) {
    CompletionStage<T> bySha = commands.evalsha(script.sha1(), type, scriptKeys, args);
    return bySha.handle((value, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(value);
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof RedisNoScriptException) {
        return commands.<T>eval(script.source(), type, scriptKeys, args).toCompletableFuture();
      }
      return CompletableFuture.<T>failedFuture(cause);
    }).thenCompose(stage -> stage);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(long number) {
    return Long.toString(number).getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] value) {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  private void loadScripts() {
    for (LuaScript script : LuaScript.values()) {
      try {
        String digest = commands.scriptLoad(script.source()).get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!script.sha1().equalsIgnoreCase(digest)) {
          throw new StateException("Redis filed " + script.resource() + " under " + digest
              + ", expected " + script.sha1());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StateException("interrupted while loading " + script.resource(), e);
      } catch (ExecutionException | TimeoutException e) {
        throw new StateException("cannot load Lua script " + script.resource() + " into Redis", e);
      }
    }
  }
}
