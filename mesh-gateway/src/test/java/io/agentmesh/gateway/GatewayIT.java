package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every endpoint against a real broker, Redis, registry, simulator and running graph, over real HTTP. */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayIT {

  private final SharedInfra infra;

  GatewayIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void asyncSubmitAnswers202AndTheRunCanBePolledToItsResultAndTrace() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-async"), "sim-default", "plan", "write");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      Http.Reply accepted = http.post("/v1/graphs/" + graph.graph.name() + "/runs", "{\"question\": \"why kafka?\"}");
      assertThat(accepted.status()).isEqualTo(202);
      String runId = accepted.json().path("runId").asText();
      assertThat(accepted.header("Location")).isEqualTo("/v1/runs/" + runId);
      assertThat(http.get("/v1/runs/" + runId).status()).as("the run's record exists once 202 is answered").isEqualTo(200);

      JsonNode run = await().atMost(Duration.ofSeconds(60)).until(
          () -> http.get("/v1/runs/" + runId).json(), r -> r.path("status").asText().equals("SUCCEEDED") && r.has("result"));
      assertThat(run.path("graph").asText()).isEqualTo(graph.graph.name());
      assertThat(run.path("output").asText()).contains("echo");
      assertThat(run.path("nodes")).extracting(n -> n.path("node").asText()).containsExactly("plan", "write");
      assertThat(run.path("nodes").get(0).path("tokensOut").asLong()).isPositive();
      assertThat(run.path("nodes").get(0).has("serviceMs")).isTrue();
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void aRunIdTheClientChoseStartsOneRunAndASecondSubmissionIsRefused() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-chosen"), "sim-default", "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs";
      String runId = "chosen-" + infra.uniqueName("run");
      String body = "{\"runId\": \"" + runId + "\", \"input\": {\"question\": \"mine\"}}";
      Http.Reply first = http.post(runs + "?wait=30s", body);
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.json().path("runId").asText()).isEqualTo(runId);

      Http.Reply second = http.post(runs, body);
      assertThat(second.status()).isEqualTo(409);
      assertThat(second.json().path("error").asText()).isEqualTo("run_exists");
      assertThat(second.json().path("details").path("runId").asText()).isEqualTo(runId);
    }
  }

  @Test
  void syncInvokeAnswersWithTheResult() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-sync"), "sim-default", "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http.Reply reply = new Http(gateway.url()).post("/v1/graphs/" + graph.graph.name() + "/runs?wait=30s",
          "{\"input\": {\"question\": \"what is a partition?\"}, \"metadata\": {\"tenant\": \"acme\"}}");
      assertThat(reply.status()).isEqualTo(200);
      JsonNode result = reply.json();
      assertThat(result.path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(result.path("output").asText()).contains("what is a partition?");
      assertThat(result.path("durationMs").asLong()).isNotNegative();
      JsonNode run = new Http(gateway.url()).get("/v1/runs/" + result.path("runId").asText()).json();
      assertThat(run.path("metadata").path("tenant").asText()).as("the task's metadata, kept with its run").isEqualTo("acme");
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void twoInstancesServeSyncCallsWhicheverPartitionTheResultsLandOn() throws Exception {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-two"), "sim-default", "answer");
         Gateway a = Gateways.open(infra, graph.graph);
         Gateway b = Gateways.open(infra, graph.graph);
         ExecutorService clients = Executors.newFixedThreadPool(16)) {
      List<CompletableFuture<Http.Reply>> calls = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Http http = new Http((i % 2 == 0 ? a : b).url());
        String body = "{\"question\": \"q" + i + "\"}";
        calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/graphs/" + graph.graph.name() + "/runs?wait=60s", body), clients));
      }
      List<Http.Reply> replies = calls.stream().map(CompletableFuture::join).toList();
      assertThat(replies).extracting(Http.Reply::status).containsOnly(200);
      assertThat(replies).extracting(r -> r.json().path("status").asText()).containsOnly("SUCCEEDED");
      assertThat(replies.stream().map(r -> r.json().path("output").asText()).collect(Collectors.toSet())).hasSize(60);
      assertThat(a.blockedThreadEvents() + b.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void eventStreamSendsTheRunsEventsInOrderAndEndsWithTheRun() throws Exception {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-sse"), "sim-default", "plan", "research", "write");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      String runId = http.post("/v1/graphs/" + graph.graph.name() + "/runs", "{\"question\": \"stream me\"}").json().path("runId").asText();
      HttpResponse<java.util.stream.Stream<String>> stream = streamEvents(http, runId);
      assertThat(stream.statusCode()).isEqualTo(200);
      List<String> lines = CompletableFuture.supplyAsync(() -> stream.body().toList()).get(60, TimeUnit.SECONDS); // ends = the server closed it
      List<String> types = lines.stream().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
      List<Long> ids = lines.stream().filter(l -> l.startsWith("id: ")).map(l -> Long.parseLong(l.substring(4))).toList();
      assertThat(types).containsExactly("RUN_STARTED", "NODE_COMPLETED", "NODE_COMPLETED", "NODE_COMPLETED", "RUN_SUCCEEDED");
      assertThat(ids).containsExactly(1L, 2L, 3L, 4L, 5L);
      List<String> nodes = lines.stream().filter(l -> l.startsWith("data: ")).map(l -> json(l.substring(6)))
          .filter(e -> e.path("type").asText().equals("NODE_COMPLETED")).map(e -> e.path("node").asText()).toList();
      assertThat(nodes).containsExactly("plan", "research", "write");

      // resuming after event 3 gets only what followed
      HttpResponse<java.util.stream.Stream<String>> resumed = http.send(http.builder("/v1/runs/" + runId + "/events")
          .header("Last-Event-ID", "3").GET().build(), HttpResponse.BodyHandlers.ofLines());
      assertThat(resumed.body().filter(l -> l.startsWith("id: ")).toList()).containsExactly("id: 4", "id: 5");
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void aStreamOfARunThatEndedBeforeTheHeldOnesReadsItsEventsBackFromTheTopic() throws Exception {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-replay"), "sim-default", "plan", "write");
         Gateway gateway = Gateways.configured(infra, List.of(graph.graph), AuthConfig.none(), Limits.defaults().withRateLimit(0, 1))
             .endedRunsHeld(1).start()) {
      Http http = new Http(gateway.url());
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs?wait=30s";
      String first = infra.uniqueName("replayed");
      // bytes that are no event, keyed by the run and so in its partition before its events: the
      // instance's reader skips them, and so does the read-back; each counts them as unreadable
      String eventsTopic = TopicNames.of(graph.graph.name()).events();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", infra.kafkaBootstrap()),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(eventsTopic, first.getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 9})).get();
      }
      assertThat(http.post(runs, "{\"runId\": \"" + first + "\", \"input\": {\"question\": \"first\"}}").status()).isEqualTo(200);
      // a stream ends once this instance has the run's final event: then the first run is the one ended run held
      List<String> fromMemory = streamLines(http, first);
      assertThat(eventTypes(fromMemory)).containsExactly("RUN_STARTED", "NODE_COMPLETED", "NODE_COMPLETED", "RUN_SUCCEEDED");
      String second = http.post(runs, "{\"question\": \"second\"}").json().path("runId").asText();
      assertThat(eventTypes(streamLines(http, second))).endsWith("RUN_SUCCEEDED"); // and now the second is

      List<String> readBack = streamLines(http, first);
      assertThat(readBack.stream().filter(l -> l.startsWith("id: ")).toList()).containsExactly("id: 1", "id: 2", "id: 3", "id: 4");
      assertThat(readBack.stream().filter(l -> !l.startsWith(":")).toList())
          .as("the same events, numbered and rendered as the stream from memory had them")
          .isEqualTo(fromMemory.stream().filter(l -> !l.startsWith(":")).toList());
      assertThat(http.get("/metrics").body()).contains("mesh_gateway_events_read_back_total{outcome=\"found\"} 1.0")
          .contains("mesh_gateway_records_unreadable_total{topic=\"" + eventsTopic + "\"} 2.0");
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  private static List<String> streamLines(Http http, String runId) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> stream = streamEvents(http, runId);
    assertThat(stream.statusCode()).isEqualTo(200);
    return CompletableFuture.supplyAsync(() -> stream.body().toList()).get(60, TimeUnit.SECONDS); // ends = the server closed it
  }

  private static List<String> eventTypes(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
  }

  @Test
  void cancelStopsALongRunAtItsNextStep() throws Exception {
    String model = infra.uniqueName("slow");
    infra.simulator().putModel(ModelBehaviour.builder(model).latency(Latency.fixed(Duration.ofSeconds(3))).build());
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-cancel"), model, "first", "second");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      String runId = "cancel-" + System.nanoTime();
      CompletableFuture<Http.Reply> sync = CompletableFuture.supplyAsync(() -> http.post(
          "/v1/graphs/" + graph.graph.name() + "/runs?wait=60s", "{\"runId\": \"" + runId + "\", \"input\": {\"question\": \"long\"}}"));
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/runs/" + runId).status() == 200);
      Thread.sleep(500); // the first node's 3 s model call is under way

      Http.Reply cancel = http.delete("/v1/runs/" + runId);
      assertThat(cancel.status()).isEqualTo(202);
      assertThat(cancel.json().path("cancelRequested").asBoolean()).isTrue();

      Http.Reply result = sync.get(60, TimeUnit.SECONDS);
      assertThat(result.status()).isEqualTo(200);
      assertThat(result.json().path("status").asText()).isEqualTo("CANCELLED");
      assertThat(result.json().path("error").path("code").asText()).isEqualTo("CANCELLED");
      JsonNode run = http.get("/v1/runs/" + runId).json();
      assertThat(run.path("status").asText()).isEqualTo("CANCELLED");
      assertThat(run.path("nodes")).extracting(n -> n.path("node").asText()).doesNotContain("second");
      assertThat(http.delete("/v1/runs/" + runId).status()).as("cancelling an ended run").isEqualTo(409);
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void syncCallThatOutlivesItsWaitAnswers202WithTheRunToPoll() {
    String model = infra.uniqueName("slow");
    infra.simulator().putModel(ModelBehaviour.builder(model).latency(Latency.fixed(Duration.ofSeconds(2))).build());
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-timeout"), model, "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      Http.Reply reply = http.post("/v1/graphs/" + graph.graph.name() + "/runs?wait=300ms", "{\"question\": \"slow\"}");
      assertThat(reply.status()).isEqualTo(202);
      String runId = reply.json().path("runId").asText();
      assertThat(reply.header("Location")).isEqualTo("/v1/runs/" + runId);
      assertThat(reply.json().path("message").asText()).contains("did not finish within 300 ms");
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/runs/" + runId).json().path("status").asText().equals("SUCCEEDED"));
    }
  }

  @Test
  void syncCallsThatNoWorkerTookStillNameRunsThatCanBeRead() {
    RunningGraph stopped = RunningGraph.pipeline(infra, infra.uniqueName("gw-idle"), "sim-default", "answer");
    stopped.close(); // topics stay, nothing consumes the ingress: only the gateway can write the run's record
    try (Gateway gateway = Gateways.open(infra, stopped.graph)) {
      Http http = new Http(gateway.url());
      String runs = "/v1/graphs/" + stopped.graph.name() + "/runs";
      Http.Reply reply = http.post(runs + "?wait=300ms", "{\"question\": \"anyone?\"}");
      assertThat(reply.status()).isEqualTo(202);
      Http.Reply run = http.get(reply.header("Location"));
      assertThat(run.status()).isEqualTo(200);
      assertThat(run.json().path("status").asText()).isEqualTo("PENDING");
      assertThat(run.json().path("graph").asText()).isEqualTo(stopped.graph.name());

      // an async retry of a sync call still waiting: the same run, readable at once
      CompletableFuture.runAsync(() -> new Http(gateway.url()).post(runs + "?wait=20s", "{\"question\": \"again?\"}",
          "Idempotency-Key", "idle-1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/metrics").body().contains("mesh_gateway_sync_waits 1.0"));
      Http.Reply retry = http.post(runs, "{\"question\": \"again?\"}", "Idempotency-Key", "idle-1");
      assertThat(retry.status()).isEqualTo(202);
      assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
      assertThat(http.get(retry.header("Location")).status()).isEqualTo(200);
    }
  }

  @Test
  void badRequestsGetJsonErrorsNamingWhatIsWrong() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-bad"), "sim-default", "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs";

      Http.Reply schema = http.post(runs, "{\"question\": 42}");
      assertThat(schema.status()).isEqualTo(422);
      assertThat(schema.json().path("error").asText()).isEqualTo("schema_violation");
      assertThat(schema.json().path("details").path("violations").get(0).path("field").asText()).isEqualTo("$.question");

      Http.Reply missing = http.post(runs, "{}");
      assertThat(missing.status()).isEqualTo(422);
      assertThat(missing.json().path("message").asText()).contains("question");

      Http.Reply malformed = http.post(runs, "{\"question\": ");
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(malformed.json().path("error").asText()).isEqualTo("invalid_json");
      assertThat(malformed.json().path("details").has("offset")).isTrue();

      Http.Reply type = http.send(http.builder(runs).header("Content-Type", "text/plain")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hi")).build());
      assertThat(type.status()).isEqualTo(415);
      assertThat(type.json().path("details").path("header").asText()).isEqualTo("Content-Type");

      Http.Reply unknown = http.post("/v1/graphs/nope/runs", "{\"question\": \"x\"}");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().path("error").asText()).isEqualTo("unknown_graph");
      assertThat(unknown.json().path("details").path("known").toString()).contains(graph.graph.name());

      assertThat(http.post(runs + "?wait=forever", "{\"question\": \"x\"}").json().path("details").path("parameter").asText()).isEqualTo("wait");
      assertThat(http.post(runs + "?wait=10m", "{\"question\": \"x\"}").json().path("details").path("limit").asText()).isEqualTo("maxWait");
      assertThat(http.get("/v1/runs/no-such-run").status()).isEqualTo(404);
      assertThat(http.get("/v1/runs/bad%7Bid%7D").json().path("error").asText()).isEqualTo("invalid_run_id");
      assertThat(http.get("/nowhere").json().path("error").asText()).isEqualTo("not_found");
      assertThat(http.send(http.builder(runs).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build()).status()).isEqualTo(405);
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  @Test
  void servesGraphsHealthMetricsAndOpenApi() {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("gw-meta"), "sim-default", "answer");
         Gateway gateway = Gateways.open(infra, graph.graph)) {
      Http http = new Http(gateway.url());
      JsonNode graphs = http.get("/v1/graphs").json().path("graphs");
      assertThat(graphs).hasSize(1);
      assertThat(graphs.get(0).path("name").asText()).isEqualTo(graph.graph.name());
      assertThat(graphs.get(0).path("inputSchema").path("required").get(0).asText()).isEqualTo("question");

      assertThat(http.get("/health/live").json().path("status").asText()).isEqualTo("UP");
      Http.Reply ready = http.get("/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().path("checks").path("kafka").asText()).isEqualTo("UP");
      assertThat(ready.json().path("checks").path("redis").asText()).isEqualTo("UP");

      http.post("/v1/graphs/" + graph.graph.name() + "/runs?wait=30s", "{\"question\": \"count me\"}");
      String metrics = http.get("/metrics").body();
      assertThat(metrics).contains("mesh_gateway_requests_seconds_count{method=\"POST\",route=\"/v1/graphs/{graph}/runs\",status=\"200\"}")
          .contains("mesh_gateway_runs_submitted_total{graph=\"" + graph.graph.name() + "\",mode=\"sync\"}");

      JsonNode openApi = http.get("/openapi.json").json();
      assertThat(openApi.path("openapi").asText()).startsWith("3.");
      assertThat(openApi.path("paths").has("/v1/graphs/{graph}/runs")).isTrue();
    }
  }

  private static HttpResponse<java.util.stream.Stream<String>> streamEvents(Http http, String runId) {
    try {
      return java.net.http.HttpClient.newHttpClient().send(http.builder("/v1/runs/" + runId + "/events").GET().build(),
          HttpResponse.BodyHandlers.ofLines());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return Http.JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
