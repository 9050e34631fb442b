package io.agentmesh.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Liveness (the process answers) and readiness (the broker and Redis answer, the results reader
 * runs). Readiness checks are asynchronous and cached for a second, so a busy probe costs little.
 */
final class Health implements AutoCloseable {

  private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final Admin admin;
  private final GatewayRedis redis;
  private final BooleanSupplier readerHealthy;
  private volatile Future<ObjectNode> cached;
  private volatile long cachedAt;

  Health(Vertx vertx, String bootstrap, GatewayRedis redis, BooleanSupplier readerHealthy) {
    this.vertx = vertx;
    this.admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.CLIENT_ID_CONFIG, "mesh-gateway-health",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS));
    this.redis = redis;
    this.readerHealthy = readerHealthy;
  }

  ObjectNode live() {
    ObjectNode out = RunJson.JSON.createObjectNode();
    out.put("status", "UP");
    return out;
  }

  Future<ObjectNode> ready() {
    Future<ObjectNode> current = cached;
    if (current != null && System.nanoTime() - cachedAt < CACHE_NANOS) {
      return current;
    }
    Context context = vertx.getOrCreateContext();
    Future<String> kafka = Future.fromCompletionStage(
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS)).clusterId().toCompletionStage(), context)
        .map(id -> "UP").otherwise(e -> "DOWN: " + e.getMessage());
    Future<String> redisUp = Future.fromCompletionStage(redis.ping(), context)
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(pong -> "UP").otherwise(e -> "DOWN: " + e.getMessage());
    Future<ObjectNode> result = Future.all(kafka, redisUp).map(all -> {
      ObjectNode out = RunJson.JSON.createObjectNode();
      boolean reader = readerHealthy.getAsBoolean();
      boolean up = "UP".equals(kafka.result()) && "UP".equals(redisUp.result()) && reader;
      out.put("status", up ? "UP" : "DOWN");
      ObjectNode checks = out.putObject("checks");
      checks.put("kafka", kafka.result());
      checks.put("redis", redisUp.result());
      checks.put("resultsReader", reader ? "UP" : "DOWN");
      return out;
    });
    cached = result;
    cachedAt = System.nanoTime();
    return result;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
