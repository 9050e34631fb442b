package io.agentmesh.agents.state;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A second, synchronous connection for tests to look at (and tamper with) what the stores wrote. */
final class RedisProbe implements AutoCloseable {

  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;

  RedisProbe(String uri) {
    client = RedisClient.create(uri);
    connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  RedisCommands<String, byte[]> sync() {
    return connection.sync();
  }

  List<String> keys(String pattern) {
    List<String> keys = new ArrayList<>();
    ScanIterator.scan(sync(), ScanArgs.Builder.matches(pattern).limit(500)).forEachRemaining(keys::add);
    return keys;
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("stage did not complete normally: " + e, e);
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
