package io.agentmesh.gateway;

import io.agentmesh.core.state.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The gateway's own Redis keys (results it has read, idempotency keys), on one multiplexed
 * Lettuce connection, and a second one for the results reader's writes, which it flushes once per
 * read ({@link #flushResults}) instead of once per result. Every call is asynchronous; stages
 * complete on Lettuce's threads.
 */
final class GatewayRedis implements AutoCloseable {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisAsyncCommands<String, String> commands;
  /** Only the results reader's thread uses it: with auto-flush off a connection is not for sharing. */
  private final StatefulRedisConnection<String, String> resultConnection;
  private final RedisAsyncCommands<String, String> resultCommands;
  private final RedisKeys keys;
  private final Duration resultTtl;

  GatewayRedis(String uri, RedisKeys keys, Duration resultTtl) {
    this.client = RedisClient.create(RedisURI.create(uri));
    StatefulRedisConnection<String, String> first = null;
    try {
      first = client.connect();
      this.resultConnection = client.connect();
    } catch (RuntimeException e) {
      if (first != null) {
        first.close();
      }
      client.shutdown();
      throw e;
    }
    this.connection = first;
    this.commands = connection.async();
    resultConnection.setAutoFlushCommands(false);
    this.resultCommands = resultConnection.async();
    this.keys = keys;
    this.resultTtl = resultTtl;
  }

  /**
   * Claims an idempotency key for {@code value} (SET NX PX): empty when this call claimed it, else
   * the value of whoever did.
   */
  CompletionStage<Optional<String>> claimIdempotencyKey(String digest, String value, Duration ttl) {
    String key = keys.idempotency(digest);
    return commands.set(key, value, SetArgs.Builder.nx().px(ttl.toMillis()))
        .thenCompose(ok -> "OK".equals(ok)
            ? java.util.concurrent.CompletableFuture.completedFuture(Optional.<String>empty())
            : commands.get(key).thenApply(Optional::ofNullable));
  }

  /** Forgets an idempotency key (its run could not be started). */
  CompletionStage<Long> releaseIdempotencyKey(String digest) {
    return commands.del(keys.idempotency(digest));
  }

  /**
   * Keeps a run's result JSON; the first writer wins (every instance reads every result). Queued
   * until {@link #flushResults}; the results reader's thread only.
   */
  CompletionStage<String> storeResult(String runId, String json) {
    return resultCommands.set(keys.result(runId), json, SetArgs.Builder.nx().px(resultTtl.toMillis()));
  }

  /** Sends the results queued by {@link #storeResult}, pipelined. */
  void flushResults() {
    resultConnection.flushCommands();
  }

  /** A run's result JSON, when one was stored. */
  CompletionStage<Optional<String>> result(String runId) {
    return commands.get(keys.result(runId)).thenApply(Optional::ofNullable);
  }

  CompletionStage<String> ping() {
    return commands.ping();
  }

  @Override
  public void close() {
    try {
      resultConnection.close();
      connection.close();
    } finally {
      client.shutdown();
    }
  }
}
