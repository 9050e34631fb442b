package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rate limit (one per key across instances), body limit, sync-wait and stream limits, Idempotency-Key, and /metrics. */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayLimitsIT {

  private final SharedInfra infra;

  GatewayLimitsIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void rateLimitAnswers429WithRetryAfter() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-rate"), "sim-default", "answer");
         Gateway gateway = Gateways.start(infra, List.of(graph.graph), AuthConfig.none(), Limits.defaults().withRateLimit(1, 3))) {
      Http http = new Http(gateway.url());
      List<Http.Reply> replies = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        replies.add(http.get("/v1/graphs"));
      }
      assertThat(replies.subList(0, 3)).extracting(Http.Reply::status).containsOnly(200);
      Http.Reply limited = replies.get(4);
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.json().path("error").asText()).isEqualTo("rate_limited");
      assertThat(limited.json().path("details").path("limit").asText()).isEqualTo("ratePerSecond");
      assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 2);
      await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/v1/graphs").status() == 200);
    }
  }

  @Test
  void twoInstancesShareOneRateLimitPerKey() {
    String name = infra.uniqueName("shared-key");
    String other = infra.uniqueName("other-key");
    AuthConfig auth = AuthConfig.builder()
        .apiKey(name, AuthConfig.sha256Hex(name + "-secret"), Set.of("*"))
        .apiKey(other, AuthConfig.sha256Hex(other + "-secret"), Set.of("*"))
        .build();
    double rate = 0.5;
    int burst = 4;
    Limits limits = Limits.defaults().withRateLimit(rate, burst);
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-shared"), "sim-default", "answer");
         Gateway a = Gateways.start(infra, List.of(graph.graph), auth, limits);
         Gateway b = Gateways.start(infra, List.of(graph.graph), auth, limits)) {
      List<Http> instances = List.of(new Http(a.url(), "X-API-Key", name + "-secret"), new Http(b.url(), "X-API-Key", name + "-secret"));
      List<Http.Reply> replies = new ArrayList<>();
      long began = System.nanoTime();
      for (int i = 0; i < 16; i++) {
        replies.add(instances.get(i % 2).get("/v1/graphs"));
      }
      double elapsedSeconds = (System.nanoTime() - began) / 1e9;
      long allowed = replies.stream().filter(r -> r.status() == 200).count();
      assertThat(replies).extracting(Http.Reply::status).containsOnly(200, 429);
      assertThat(allowed).as("allowed by both instances together in %.2f s at %s/s, burst %d", elapsedSeconds, rate, burst)
          .isBetween((long) burst, burst + (long) Math.floor(rate * elapsedSeconds + 0.01));
      for (int instance = 0; instance < 2; instance++) {
        List<Http.Reply> limited = new ArrayList<>();
        for (int i = instance; i < replies.size(); i += 2) {
          if (replies.get(i).status() == 429) {
            limited.add(replies.get(i));
          }
        }
        assertThat(limited).as("429s from instance %d", instance).isNotEmpty().allSatisfy(reply -> {
          assertThat(reply.json().path("error").asText()).isEqualTo("rate_limited");
          long retryAfter = Long.parseLong(reply.header("Retry-After"));
          assertThat(retryAfter).as("one token per 2 s").isBetween(1L, 2L);
          assertThat(reply.json().path("details").path("retryAfterSeconds").asLong()).isEqualTo(retryAfter);
        });
      }

      assertThat(new Http(a.url(), "X-API-Key", other + "-secret").get("/v1/graphs").status()).as("another key, on A").isEqualTo(200);
      assertThat(new Http(b.url(), "X-API-Key", other + "-secret").get("/v1/graphs").status()).as("another key, on B").isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> instances.get(1).get("/v1/graphs").status() == 200);

      for (Gateway gateway : List.of(a, b)) {
        String metrics = new Http(gateway.url()).get("/metrics").body();
        assertThat(metrics)
            .contains("mesh_gateway_requests_seconds_count{method=\"GET\",route=\"/v1/*\",status=\"429\"}")
            .contains("mesh_gateway_rejected_total{reason=\"rate_limited\"}")
            .as("every check answered by Redis, none decided alone")
            .contains("mesh_gateway_rate_limit_fallbacks_total{cause=\"error\"} 0.0")
            .contains("mesh_gateway_rate_limit_fallbacks_total{cause=\"timeout\"} 0.0");
        assertThat(gateway.blockedThreadEvents()).isZero();
      }
    }
  }

  @Test
  void metricsExposeEveryGatewayMetricOfTheCatalogue() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-metrics"), "sim-default", "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      assertThat(http.post("/v1/graphs/" + graph.graph.name() + "/runs?wait=30s", "{\"question\": \"counted\"}").status()).isEqualTo(200);
      assertThat(http.get("/v1/graphs/nope").status()).isEqualTo(404);
      String metrics = http.get("/metrics").body();
      List<MeshMetric> gatewayMetrics = Arrays.stream(MeshMetric.values()).filter(m -> m.metricName().startsWith("mesh.gateway.")).toList();
      assertThat(gatewayMetrics).hasSizeGreaterThanOrEqualTo(10).allSatisfy(metric -> {
        String name = metric.metricName().replace('.', '_');
        assertThat(metrics).as("%s in /metrics", metric).contains(switch (metric.kind()) {
          case COUNTER -> name + "_total{";
          case TIMER -> name + "_seconds_count";
          case GAUGE -> "\n" + name + " ";
        });
      });
      assertThat(metrics).contains("mesh_gateway_runs_submitted_total{graph=\"" + graph.graph.name() + "\",mode=\"sync\"} 1.0");
    }
  }

  @Test
  void bodiesOverTheLimitGet413() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-body"), "sim-default", "answer");
         Gateway gateway = Gateways.start(infra, List.of(graph.graph), AuthConfig.none(), Limits.defaults().withMaxBodyBytes(1024))) {
      Http http = new Http(gateway.url());
      Http.Reply big = http.post("/v1/graphs/" + graph.graph.name() + "/runs", "{\"question\": \"" + "x".repeat(2048) + "\"}");
      assertThat(big.status()).isEqualTo(413);
      assertThat(big.json().path("error").asText()).isEqualTo("body_too_large");
      assertThat(big.json().path("details").path("maxBodyBytes").asLong()).isEqualTo(1024);
      assertThat(http.post("/v1/graphs/" + graph.graph.name() + "/runs", "{\"question\": \"small\"}").status()).isEqualTo(202);
    }
  }

  @Test
  void syncWaitsAndEventStreamsAreBounded() throws Exception {
    String model = infra.uniqueName("slow");
    infra.simulator().putModel(ModelBehaviour.builder(model).latency(Latency.fixed(Duration.ofSeconds(2))).build());
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-waits"), model, "answer");
         Gateway gateway = Gateways.start(infra, List.of(graph.graph), AuthConfig.none(),
             Limits.defaults().withRateLimit(0, 1).withMaxSyncWaits(1).withMaxSseStreams(1))) {
      Http http = new Http(gateway.url());
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs";
      CompletableFuture<Http.Reply> first = CompletableFuture.supplyAsync(() -> http.post(runs + "?wait=30s", "{\"question\": \"one\"}"));
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/metrics").body().contains("mesh_gateway_sync_waits 1.0"));
      Http.Reply second = http.post(runs + "?wait=30s", "{\"question\": \"two\"}");
      assertThat(second.status()).isEqualTo(503);
      assertThat(second.json().path("error").asText()).isEqualTo("too_many_waits");
      assertThat(second.header("Retry-After")).isEqualTo("1");
      assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);

      String runId = http.post(runs, "{\"question\": \"streamed\"}").json().path("runId").asText();
      HttpResponse<java.util.stream.Stream<String>> open = http.send(http.builder("/v1/runs/" + runId + "/events").GET().build(),
          HttpResponse.BodyHandlers.ofLines());
      assertThat(open.statusCode()).isEqualTo(200);
      Http.Reply refused = http.get("/v1/runs/" + runId + "/events");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().path("details").path("limit").asText()).isEqualTo("maxSseStreams");
      assertThat(open.body().filter(l -> l.startsWith("event: ")).toList()).endsWith("event: RUN_SUCCEEDED");
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void idempotencyKeyReturnsTheSameRunAndStartsNothingTwice() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("lim-idem"), "sim-default", "answer");
         Gateway a = Gateways.open(infra, graph.graph);
         Gateway b = Gateways.open(infra, graph.graph)) {
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs";
      String key = "order-" + System.nanoTime();
      Http.Reply first = new Http(a.url()).post(runs, "{\"question\": \"once\"}", "Idempotency-Key", key);
      assertThat(first.status()).isEqualTo(202);
      String runId = first.json().path("runId").asText();

      Http.Reply again = new Http(b.url()).post(runs, "{\"question\": \"once\"}", "Idempotency-Key", key);
      assertThat(again.status()).isEqualTo(202);
      assertThat(again.json().path("runId").asText()).isEqualTo(runId);
      assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");

      Http.Reply sync = new Http(a.url()).post(runs + "?wait=30s", "{\"question\": \"once\"}", "Idempotency-Key", key);
      assertThat(sync.status()).isEqualTo(200);
      assertThat(sync.json().path("runId").asText()).isEqualTo(runId);
      assertThat(sync.json().path("status").asText()).isEqualTo("SUCCEEDED");

      Http.Reply other = new Http(a.url()).post(runs, "{\"question\": \"another body\"}", "Idempotency-Key", key);
      assertThat(other.status()).isEqualTo(422);
      assertThat(other.json().path("error").asText()).isEqualTo("idempotency_key_reused");

      assertThat(ingressRecordsFor(graph.graph.name(), runId)).as("tasks published for the run").isEqualTo(1);
    }
  }

  private long ingressRecordsFor(String graph, String runId) {
    String topic = io.agentmesh.core.wire.TopicNames.of(graph).ingress();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long count = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() != null && runId.equals(new String(record.key(), StandardCharsets.UTF_8))) {
            count++;
          }
        }
      }
      return count;
    }
  }
}
