package io.agentmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.infra.LocalInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Sync invoke through the gateway: a 1-node graph on the zero-latency simulator model, N clients
 * each sending its next request as soon as the previous one answers. Reports throughput, latency
 * percentiles, and the gateway's overhead: each call's latency minus the run's own time
 * ({@code finishedAt - startedAt} of its result). Not part of the test run:
 * {@code ./mvnw -B -q -pl mesh-gateway -am -Pbench verify -DskipTests} (args via -Dexec.args is not
 * wired; edit CLIENTS/SECONDS or run the class with: clients seconds warmupSeconds).
 */
public final class GatewayBench {

  private GatewayBench() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    try (LocalInfra infra = LocalInfra.create(LocalInfra.Settings.forTests()).startAll();
         RunningGraph graph = RunningGraph.pipeline(infra.kafka().bootstrapServers(), infra.redis().uri(), infra.registry().url(),
             infra.simulator().baseUrl(), "bench-" + ProcessHandle.current().pid(), "sim-default", "answer");
         Gateway gateway = Gateway.builder().graphs(List.of(graph.graph)).kafkaBootstrap(infra.kafka().bootstrapServers())
             .redisUri(infra.redis().uri()).registryUrl(infra.registry().url()).port(0).auth(AuthConfig.none())
             .limits(Limits.defaults().withRateLimit(0, 1).withMaxSyncWaits(10_000)).start()) {
      Vertx vertx = Vertx.vertx();
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.port())
          .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(clients));
      String uri = "/v1/graphs/" + graph.graph.name() + "/runs?wait=30s";
      System.out.printf("gateway bench: %d clients, %d s warm-up, %d s measured, graph %s (1 node, sim-default: no latency)%n",
          clients, warmup, seconds, graph.graph.name());
      Phase warm = run(http, uri, clients, warmup);
      System.out.printf("warm-up: %s%n", warm.summary(warmup));
      Phase measured = run(http, uri, clients, seconds);
      System.out.printf("measured: %s%n", measured.summary(seconds));
      System.out.printf("gateway blocked-thread events: %d%n", gateway.blockedThreadEvents());
      for (MeshMetric metric : List.of(MeshMetric.GATEWAY_SUBMIT_TIME, MeshMetric.GATEWAY_RESULT_LAG, MeshMetric.GATEWAY_RESULT_READ_LAG)) {
        String name = metric.metricName();
        var timer = gateway.metrics().registry().find(name).timer();
        if (timer != null) {
          var snapshot = timer.takeSnapshot();
          StringBuilder line = new StringBuilder(name + " (whole run, ms):");
          for (var p : snapshot.percentileValues()) {
            line.append(String.format(" p%.0f %.1f", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
          }
          System.out.println(line.append(String.format(" mean %.1f", snapshot.mean(TimeUnit.MILLISECONDS))));
        }
      }
      http.close().await();
      vertx.close().await();
    }
    System.exit(0);
  }

  /** Latencies and overheads of one phase, in microseconds. */
  private static final class Phase {
    final Recorder latency = new Recorder(3);
    final Recorder overhead = new Recorder(3);
    final Recorder before = new Recorder(3);
    final Recorder after = new Recorder(3);
    final LongAdder ok = new LongAdder();
    final ConcurrentHashMap<String, LongAdder> other = new ConcurrentHashMap<>();

    String summary(int seconds) {
      var l = latency.getIntervalHistogram();
      var o = overhead.getIntervalHistogram();
      var b = before.getIntervalHistogram();
      var a = after.getIntervalHistogram();
      return String.format("%d ok (%.0f/s), other %s; latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f; "
              + "overhead (latency - run time) ms p50 %.1f p90 %.1f p99 %.1f max %.1f"
              + "; of which before the run (send -> startedAt) p50 %d p99 %d, after it (finishedAt -> answer) p50 %d p99 %d",
          ok.sum(), ok.sum() / (double) seconds, other,
          l.getValueAtPercentile(50) / 1e3, l.getValueAtPercentile(90) / 1e3, l.getValueAtPercentile(99) / 1e3, l.getMaxValue() / 1e3,
          o.getValueAtPercentile(50) / 1e3, o.getValueAtPercentile(90) / 1e3, o.getValueAtPercentile(99) / 1e3, o.getMaxValue() / 1e3,
          b.getValueAtPercentile(50), b.getValueAtPercentile(99), a.getValueAtPercentile(50), a.getValueAtPercentile(99));
    }
  }

  private static Phase run(HttpClient http, String uri, int clients, int seconds) throws InterruptedException {
    Phase phase = new Phase();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int client = c;
      loop(http, uri, client, 0, end, phase, done);
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    return phase;
  }

  private static void loop(HttpClient http, String uri, int client, long n, long end, Phase phase, CountDownLatch done) {
    if (System.nanoTime() > end) {
      done.countDown();
      return;
    }
    Buffer body = Buffer.buffer("{\"question\": \"client " + client + " call " + n + "\"}");
    long began = System.nanoTime();
    long sentAt = System.currentTimeMillis();
    http.request(HttpMethod.POST, uri)
        .compose(request -> request.putHeader("Content-Type", "application/json").send(body)
            .compose(response -> response.body().map(b -> {
              long micros = (System.nanoTime() - began) / 1_000;
              if (response.statusCode() == 200) {
                JsonNode result = parse(b);
                phase.ok.increment();
                phase.latency.recordValue(micros);
                long runMicros = result.path("durationMs").asLong() * 1_000;
                phase.overhead.recordValue(Math.max(0, micros - runMicros));
                phase.before.recordValue(Math.max(0, java.time.Instant.parse(result.path("startedAt").asText()).toEpochMilli() - sentAt));
                phase.after.recordValue(Math.max(0, System.currentTimeMillis() - java.time.Instant.parse(result.path("finishedAt").asText()).toEpochMilli()));
              } else {
                phase.other.computeIfAbsent(Integer.toString(response.statusCode()), s -> new LongAdder()).increment();
              }
              return null;
            })))
        .onComplete(r -> {
          if (r.failed()) {
            phase.other.computeIfAbsent(r.cause().getClass().getSimpleName(), s -> new LongAdder()).increment();
          }
          loop(http, uri, client, n + 1, end, phase, done);
        });
  }

  private static JsonNode parse(Buffer body) {
    try {
      return Http.JSON.readTree(body.getBytes());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
