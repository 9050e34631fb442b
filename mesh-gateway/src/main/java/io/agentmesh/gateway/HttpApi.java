package io.agentmesh.gateway;

import io.agentmesh.core.graph.InputSchema;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.RunError;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.core.wire.IngressFormatException;
import io.agentmesh.core.wire.IngressJson;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.core.wire.TaskInput;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP routes and their handlers. One router per event loop; everything they share
 * (waiters, feed, limiter, Redis, Kafka) is thread-safe. Handlers never block: Redis and Kafka
 * calls return futures that complete back on the request's event loop.
 *
 * <p>Order of checks on {@code POST /v1/graphs/{graph}/runs}: body size (413), credentials (401),
 * graph known (404) and allowed (403), rate (429), {@code wait} (400), content type (415), JSON
 * (400), envelope (400), input schema (422), {@code Idempotency-Key} (400, 422 on reuse with
 * another body), sync-wait capacity (503), then the run's record is written to Redis and its task
 * published (the record first when the client chose the run id: 409 if it exists).
 */
final class HttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final String PRINCIPAL = "mesh.principal";
  private static final String ROUTE = "mesh.route";
  private static final String SUBMIT_STARTED = "mesh.submitStarted";
  private static final long SSE_KEEPALIVE_MS = 15_000;
  private static final long SSE_END_GRACE_MS = 2_000;
  private static final Set<String> KNOWN_METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

  private final Vertx vertx;
  private final Map<String, GraphEntry> graphs;
  private final Authenticator auth;
  private final RateLimiter rateLimiter;
  private final Limits limits;
  private final MeshRedis meshRedis;
  private final GatewayRedis redis;
  private final TaskPublisher publisher;
  private final ResultWaiters waiters;
  private final EventFeed feed;
  private final EventHistory history;
  private final AtomicInteger sseStreams;
  private final GatewayMetrics metrics;
  private final Health health;
  private final Buffer openApi;
  private final ObjectMapper json;

  HttpApi(Vertx vertx, Map<String, GraphEntry> graphs, Authenticator auth, RateLimiter rateLimiter, Limits limits,
          MeshRedis meshRedis, GatewayRedis redis, TaskPublisher publisher, ResultWaiters waiters, EventFeed feed,
          EventHistory history, AtomicInteger sseStreams, GatewayMetrics metrics, Health health, Buffer openApi) {
    this.vertx = vertx;
    this.graphs = graphs;
    this.auth = auth;
    this.rateLimiter = rateLimiter;
    this.limits = limits;
    this.meshRedis = meshRedis;
    this.redis = redis;
    this.publisher = publisher;
    this.waiters = waiters;
    this.feed = feed;
    this.history = history;
    this.sseStreams = sseStreams;
    this.metrics = metrics;
    this.health = health;
    this.openApi = openApi;
    this.json = JsonMappers.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    this.json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(limits.maxJsonDepth()).build());
  }

  /**
   * Runs the request path's parsing and validation once on the starting thread, so the classes
   * they load are loaded before the first request instead of on an event loop.
   */
  void warmUp() {
    byte[] sample = "{\"warm\": [1, 2.5, \"up\", true, null, {\"x\": {}}]}".getBytes(StandardCharsets.UTF_8);
    TaskInput task = parseTask(sample);
    envelope("warm-up", task);
    // validation messages are built lazily from a resource bundle: load it here, not on a loop
    for (GraphEntry graph : graphs.values()) {
      for (JsonNode input : List.of(task.input(), json.getNodeFactory().numberNode(42), json.createObjectNode(),
          json.getNodeFactory().textNode(""))) {
        try {
          validate(graph, input);
        } catch (ApiError expected) {
          // the violation path is the one to warm
        }
      }
    }
    try {
      parseTask("{\"bad\": ".getBytes(StandardCharsets.UTF_8));
    } catch (ApiError expected) {
      // loaded the error path too
    }
  }

  Router router() {
    Router router = Router.router(vertx);
    router.route().handler(this::measure);
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()).setDeleteUploadedFilesOnEnd(true));
    router.route("/v1/*").handler(this::authenticate);
    router.post("/v1/graphs/:graph/runs").handler(named("/v1/graphs/{graph}/runs", this::submit));
    router.get("/v1/graphs").handler(named("/v1/graphs", this::listGraphs));
    router.get("/v1/runs/:runId").handler(named("/v1/runs/{runId}", this::getRun));
    router.delete("/v1/runs/:runId").handler(named("/v1/runs/{runId}", this::cancelRun));
    router.get("/v1/runs/:runId/events").handler(named("/v1/runs/{runId}/events", this::events));
    router.get("/health/live").handler(named("/health/live", ctx -> sendJson(ctx, 200, health.live())));
    router.get("/health/ready").handler(named("/health/ready", this::ready));
    router.get("/metrics").handler(named("/metrics", this::metrics));
    router.get("/openapi.json").handler(named("/openapi.json", ctx ->
        ctx.response().putHeader("Content-Type", "application/json").end(openApi)));
    router.route().failureHandler(this::failure);
    router.errorHandler(404, ctx -> sendError(ctx, ApiError.of(404, "not_found",
        "no such endpoint: " + safe(ctx.request().path()) + " (see /openapi.json)")));
    router.errorHandler(405, ctx -> sendError(ctx, ApiError.of(405, "method_not_allowed",
        "method " + methodName(ctx) + " is not allowed on " + safe(ctx.request().path()), Map.of("method", methodName(ctx)))));
    router.errorHandler(400, ctx -> sendError(ctx, ApiError.of(400, "bad_request", "the request could not be read")));
    router.errorHandler(413, ctx -> sendError(ctx, tooLarge()));
    router.errorHandler(500, this::failure);
    return router;
  }

  // ---- cross-cutting ----

  private void measure(RoutingContext ctx) {
    long began = System.nanoTime();
    String method = methodName(ctx);
    ctx.response().endHandler(v -> metrics.request(ctx.<String>get(ROUTE, "other"), method,
        ctx.response().getStatusCode(), System.nanoTime() - began));
    ctx.next();
  }

  private static io.vertx.core.Handler<RoutingContext> named(String route, io.vertx.core.Handler<RoutingContext> handler) {
    return ctx -> {
      ctx.put(ROUTE, route);
      handler.handle(ctx);
    };
  }

  private void authenticate(RoutingContext ctx) {
    // refusals here (401, 429) come before a route template is matched: measured under the guard's path
    ctx.put(ROUTE, "/v1/*");
    Context requestContext = vertx.getOrCreateContext();
    Future<Principal> who;
    try {
      who = auth.authenticate(ctx.request());
    } catch (RuntimeException e) {
      who = Future.failedFuture(ApiError.of(401, "unauthorized", "the credentials could not be read"));
    }
    who.onComplete(result -> {
      if (result.failed()) {
        ctx.fail(result.cause() instanceof ApiError ? result.cause()
            : ApiError.of(401, "unauthorized", "the credentials could not be verified"));
        return;
      }
      Principal principal = result.result();
      Future.fromCompletionStage(rateLimiter.acquire(principal.name()), requestContext).onComplete(taken -> {
        if (taken.failed()) {
          ctx.fail(taken.cause());
          return;
        }
        if (!taken.result().allowed()) {
          long seconds = taken.result().retryAfterSeconds();
          ctx.fail(ApiError.of(429, "rate_limited", "over the rate limit of " + limits.ratePerSecond() + " requests/s (burst "
                  + limits.burst() + ") for " + principal.name(),
              Map.of("limit", "ratePerSecond", "ratePerSecond", limits.ratePerSecond(), "burst", limits.burst(), "retryAfterSeconds", seconds))
              .withHeader("Retry-After", Long.toString(seconds)));
          return;
        }
        ctx.put(PRINCIPAL, principal);
        ctx.next();
      });
    });
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError error) {
      sendError(ctx, error);
      return;
    }
    if (failure instanceof io.vertx.core.http.HttpClosedException) {
      return; // the client went away: nobody to answer
    }
    if (isUnreadableRequest(failure)) {
      sendError(ctx, ApiError.of(400, "bad_request", "the request could not be read: " + safe(failure.getMessage())));
      return;
    }
    int status = ctx.statusCode();
    if (status == 413) {
      sendError(ctx, tooLarge());
    } else if (status >= 400 && status < 500) {
      sendError(ctx, ApiError.of(status, "bad_request", "the request could not be handled (HTTP " + status + ")"));
    } else {
      LOG.error("unexpected failure on {} {}", methodName(ctx), safe(ctx.request().path()), failure);
      sendError(ctx, ApiError.of(500, "internal", "the gateway failed; the error is logged"));
    }
  }

  /** Failures of the HTTP codec while the body was read (bad chunk sizes, lines too long...): the client's fault. */
  private static boolean isUnreadableRequest(Throwable failure) {
    if (failure instanceof io.netty.handler.codec.DecoderException || failure instanceof io.netty.handler.codec.TooLongFrameException) {
      return true;
    }
    StackTraceElement[] stack = failure == null ? new StackTraceElement[0] : failure.getStackTrace();
    return stack.length > 0 && stack[0].getClassName().startsWith("io.netty.handler.codec.");
  }

  /** Requests the HTTP codec could not parse (request line or headers too long, garbage): JSON errors too. */
  static void invalidRequest(io.vertx.core.http.HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    int status = 400;
    String code = "bad_request";
    String message = "the request is not valid HTTP/1.1";
    if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      boolean line = cause.getMessage() != null && cause.getMessage().contains("line");
      status = line ? 414 : 431;
      code = line ? "uri_too_long" : "headers_too_large";
      message = line ? "the request line is too long" : "the request headers are too large";
    }
    HttpServerResponse response = request.response();
    if (response.ended() || response.headWritten()) {
      request.connection().close();
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
        .end("{\"error\":\"" + code + "\",\"message\":\"" + message + "\",\"details\":{}}")
        .onComplete(done -> request.connection().close());
  }

  private ApiError tooLarge() {
    return ApiError.of(413, "body_too_large", "the body is larger than the limit of " + limits.maxBodyBytes() + " bytes",
        Map.of("limit", "maxBodyBytes", "maxBodyBytes", limits.maxBodyBytes()));
  }

  // ---- POST /v1/graphs/{graph}/runs ----

  private void submit(RoutingContext ctx) {
    ctx.put(SUBMIT_STARTED, System.nanoTime());
    GraphEntry graph = allowedGraph(ctx, ctx.pathParam("graph"));
    Optional<Duration> wait = waitParam(ctx);
    checkContentType(ctx);
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ApiError.of(400, "empty_body", "the body is empty: send the run's input as JSON");
    }
    byte[] bytes = body.getBytes();
    TaskInput task = parseTask(bytes);
    validate(graph, task.input());
    String runId = task.runId().orElseGet(() -> UUID.randomUUID().toString());
    if (!RUN_ID.matcher(runId).matches()) {
      throw ApiError.of(400, "invalid_run_id", "runId must be 1-128 of [A-Za-z0-9._:-]", Map.of("field", "runId"));
    }
    String idempotencyKey = ctx.request().getHeader("Idempotency-Key");
    if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw ApiError.of(400, "invalid_idempotency_key", "Idempotency-Key must be 1-255 printable ASCII characters without spaces",
          Map.of("header", "Idempotency-Key"));
    }
    Principal principal = ctx.get(PRINCIPAL);
    Context context = vertx.getOrCreateContext();
    if (idempotencyKey == null) {
      start(ctx, context, graph, task, runId, wait, null);
      return;
    }
    String digest = sha256(principal.name() + "\n" + graph.name() + "\n" + idempotencyKey);
    String bodyDigest = sha256(bytes);
    Future.fromCompletionStage(redis.claimIdempotencyKey(digest, runId + " " + bodyDigest, limits.idempotencyTtl()), context)
        .onFailure(ctx::fail)
        .onSuccess(existing -> {
          if (existing.isEmpty()) {
            start(ctx, context, graph, task, runId, wait, digest);
            return;
          }
          String[] parts = existing.get().split(" ", 2);
          if (parts.length == 2 && !parts[1].equals(bodyDigest)) {
            ctx.fail(ApiError.of(422, "idempotency_key_reused",
                "Idempotency-Key was already used with another body (run " + parts[0] + ")",
                Map.of("header", "Idempotency-Key", "runId", parts[0])));
            return;
          }
          ctx.response().putHeader("Idempotent-Replayed", "true");
          replay(ctx, context, graph, parts[0], wait);
        });
  }

  private void start(RoutingContext ctx, Context context, GraphEntry graph, TaskInput task, String runId,
                     Optional<Duration> wait, String idempotencyDigest) {
    ResultWaiters.Waiter waiter = null;
    if (wait.isPresent()) {
      waiter = waiters.await(runId, context);
      if (waiter == null) {
        release(idempotencyDigest);
        ctx.fail(ApiError.of(503, "too_many_waits", "the gateway already holds " + limits.maxSyncWaits()
                + " sync calls; retry, or submit without wait and poll",
            Map.of("limit", "maxSyncWaits", "maxSyncWaits", limits.maxSyncWaits())).withHeader("Retry-After", "1"));
        return;
      }
    }
    ResultWaiters.Waiter held = waiter;
    byte[] message = envelope(runId, task);
    String traceparent = ctx.request().getHeader("traceparent");
    if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
      traceparent = null;
    }
    String trace = traceparent;
    createAndPublish(context, graph, runId, task.runId().isPresent(), held != null, message, trace)
        .onFailure(e -> {
          if (held != null) {
            held.cancel();
          }
          release(idempotencyDigest);
          ctx.fail(e instanceof ApiError ? e : ApiError.of(503, "state_unavailable", "Redis is not reachable: " + e.getMessage()));
        })
        .onSuccess(v -> {
          metrics.submitted(graph.name(), held == null ? "async" : "sync");
          metrics.submitTime(graph.name(), System.nanoTime() - ctx.<Long>get(SUBMIT_STARTED));
          if (held == null) {
            accepted(ctx, runId, graph.name(), "PENDING", null);
          } else {
            awaitResult(ctx, held, runId, graph, wait.get());
          }
        });
  }

  /**
   * Writes the run's record and publishes its task. A run id the client chose may name a run
   * that exists (409), so the record is written first and the task published only if it was new.
   * A run id this gateway made up is new by construction: the record is written while the task is
   * published, not before (the Redis round trip was most of the gateway's own latency under load,
   * BENCHMARKS.md Run G). The answer still waits for both, so the run's record exists when the
   * client reads it; the first node's admission (D-018) creates the same record if the write
   * comes second, and the write then changes nothing. If only the write fails, the task is in
   * ingress and the run goes ahead: it is accepted, and the admission writes the record.
   *
   * <p>A sync call with a run id this gateway made up writes no record at all (D-022): nobody can
   * name that run before the answer, and the answer is its result, or, on timeout, the run id,
   * for which the record is then written if the first node has not written it yet.
   */
  private Future<Void> createAndPublish(Context context, GraphEntry graph, String runId, boolean clientChosen, boolean sync,
                                        byte[] message, String trace) {
    if (sync && !clientChosen) {
      return publisher.publish(context, graph.topics().ingress(), runId, message, trace).recover(e -> brokerUnavailable(e));
    }
    if (clientChosen) {
      return created(context, graph, runId).compose(created -> {
        if (!created) {
          return Future.failedFuture(ApiError.of(409, "run_exists", "a run with id " + runId + " already exists",
              Map.of("field", "runId", "runId", runId)));
        }
        return publish(context, graph, runId, message, trace, Future.succeededFuture());
      });
    }
    Future<Void> recorded = created(context, graph, runId).<Void>mapEmpty().recover(e -> {
      LOG.warn("run {}: the gateway could not write the run record ({}); the first node's admission writes it", runId, e.toString());
      return Future.succeededFuture();
    });
    return publish(context, graph, runId, message, trace, recorded).compose(v -> recorded);
  }

  private Future<Boolean> created(Context context, GraphEntry graph, String runId) {
    return Future.fromCompletionStage(meshRedis.runRecords().create(runId, graph.name(), graph.graph().version()), context);
  }

  /**
   * The run's record, written first if nothing has written it yet: for an answer that hands the
   * run id out, so its Location answers at once (a sync call leaves the record to the first node,
   * D-022).
   */
  private Future<Optional<RunRecord>> recordToHandOut(Context context, GraphEntry graph, String runId) {
    return created(context, graph, runId)
        .compose(ignored -> Future.fromCompletionStage(meshRedis.runRecords().get(runId), context));
  }

  /** Publishes the task; when that fails, marks the run failed once {@code recorded} is done (503). */
  private Future<Void> publish(Context context, GraphEntry graph, String runId, byte[] message, String trace,
                               Future<Void> recorded) {
    return publisher.publish(context, graph.topics().ingress(), runId, message, trace)
        .recover(e -> recorded.transform(ignored -> {
          meshRedis.runRecords().fail(runId, RunError.of("INTERNAL", "the gateway could not publish the task: " + e.getMessage()));
          return brokerUnavailable(e);
        }));
  }

  private static <T> Future<T> brokerUnavailable(Throwable e) {
    return Future.failedFuture(ApiError.of(503, "broker_unavailable", "the task could not be published: " + e.getMessage())
        .withHeader("Retry-After", "1"));
  }

  /** A repeated request with a known Idempotency-Key: the same run, nothing started. */
  private void replay(RoutingContext ctx, Context context, GraphEntry graph, String runId, Optional<Duration> wait) {
    if (wait.isEmpty()) {
      // the first request may have been a sync call, which left the record to the first node (D-022)
      recordToHandOut(context, graph, runId)
          .onFailure(ctx::fail)
          .onSuccess(record -> accepted(ctx, runId, graph.name(), record.map(r -> r.status().name()).orElse("PENDING"), null));
      return;
    }
    ResultWaiters.Waiter waiter = waiters.await(runId, context);
    if (waiter == null) {
      ctx.fail(ApiError.of(503, "too_many_waits", "the gateway already holds " + limits.maxSyncWaits() + " sync calls",
          Map.of("limit", "maxSyncWaits")).withHeader("Retry-After", "1"));
      return;
    }
    // registered first, then looked up: a result arriving in between completes the wait
    Future.fromCompletionStage(redis.result(runId), context).onComplete(stored -> {
      if (stored.succeeded() && stored.result().isPresent()) {
        waiter.cancel();
        sendResult(ctx, Buffer.buffer(stored.result().get()));
        return;
      }
      // no stored result: the run may have ended while no gateway was reading (its record says so)
      Future.fromCompletionStage(meshRedis.runRecords().get(runId), context).onComplete(record -> {
        if (record.succeeded() && record.result().isPresent() && record.result().get().status().isTerminal()) {
          waiter.cancel();
          sendJson(ctx, 200, RunJson.record(record.result().get(), Optional.empty()));
        } else {
          awaitResult(ctx, waiter, runId, graph, wait.get());
        }
      });
    });
  }

  /**
   * Answers with the result, or on timeout with the run id to poll. The run's record is written
   * first if nothing has written it yet (a sync call's record is left to the first node, D-022), so
   * the Location answers from the moment the client has it.
   */
  private void awaitResult(RoutingContext ctx, ResultWaiters.Waiter waiter, String runId, GraphEntry graph, Duration wait) {
    long timer = vertx.setTimer(Math.max(1, wait.toMillis()), id -> {
      waiter.cancel();
      recordToHandOut(vertx.getOrCreateContext(), graph, runId)
          .onComplete(record -> {
            String status = record.succeeded() ? record.result().map(r -> r.status().name()).orElse("PENDING") : "RUNNING";
            accepted(ctx, runId, graph.name(), status, "the run did not finish within " + wait.toMillis() + " ms; poll the Location");
          });
    });
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer);
      waiter.cancel();
    });
    waiter.future().onSuccess(result -> {
      if (vertx.cancelTimer(timer)) {
        sendResult(ctx, result);
      }
    });
  }

  private void accepted(RoutingContext ctx, String runId, String graph, String status, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    String location = "/v1/runs/" + runId;
    ObjectNode out = json.createObjectNode();
    out.put("runId", runId);
    out.put("graph", graph);
    out.put("status", status);
    out.put("location", location);
    out.put("events", location + "/events");
    if (message != null) {
      out.put("message", message);
    }
    ctx.response().putHeader("Location", location);
    sendJson(ctx, 202, out);
  }

  private void sendResult(RoutingContext ctx, Buffer result) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(result);
  }

  private GraphEntry allowedGraph(RoutingContext ctx, String name) {
    Principal principal = ctx.get(PRINCIPAL);
    GraphEntry graph = graphs.get(name);
    if (graph == null) {
      throw ApiError.of(404, "unknown_graph", "no graph named '" + safe(name) + "' is served here",
          Map.of("graph", safe(name), "known", graphs.keySet().stream().filter(principal::mayUse).sorted().toList()));
    }
    if (!principal.mayUse(name)) {
      throw ApiError.of(403, "forbidden_graph", principal.name() + " may not use graph '" + name + "'", Map.of("graph", name));
    }
    return graph;
  }

  private Optional<Duration> waitParam(RoutingContext ctx) {
    List<String> values = ctx.queryParam("wait");
    if (values.isEmpty()) {
      return Optional.empty();
    }
    Optional<Duration> wait = Waits.parse(values.getFirst());
    if (wait.isEmpty() || wait.get().isNegative() || wait.get().isZero()) {
      throw ApiError.of(400, "invalid_parameter", "wait must be a positive duration like 500ms, 30s or 2m",
          Map.of("parameter", "wait", "value", safe(values.getFirst())));
    }
    if (wait.get().compareTo(limits.maxWait()) > 0) {
      throw ApiError.of(400, "invalid_parameter", "wait must be at most " + limits.maxWait().toSeconds() + " s",
          Map.of("parameter", "wait", "limit", "maxWait", "maxWaitSeconds", limits.maxWait().toSeconds()));
    }
    return wait;
  }

  private static void checkContentType(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean isJson = media.equals("application/json") || (media.startsWith("application/") && media.endsWith("+json"));
    if (!isJson) {
      throw ApiError.of(415, "unsupported_media_type", "Content-Type must be application/json, got '" + safe(type == null ? "" : type) + "'",
          Map.of("header", "Content-Type"));
    }
    if (type.toLowerCase(Locale.ROOT).contains("charset=") && !type.toLowerCase(Locale.ROOT).replace(" ", "").contains("charset=utf-8")) {
      throw ApiError.of(415, "unsupported_media_type", "the body must be UTF-8", Map.of("header", "Content-Type"));
    }
  }

  private TaskInput parseTask(byte[] bytes) {
    JsonNode root;
    try {
      root = json.readTree(bytes);
    } catch (JsonProcessingException e) {
      long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
      String what = e.getOriginalMessage();
      if (what != null && what.contains("nesting depth")) {
        throw ApiError.of(400, "invalid_json", "the JSON is nested deeper than " + limits.maxJsonDepth() + " levels",
            Map.of("limit", "maxJsonDepth", "maxJsonDepth", limits.maxJsonDepth(), "offset", offset));
      }
      throw ApiError.of(400, "invalid_json", "invalid JSON at byte offset " + offset + ": " + safe(String.valueOf(what)),
          Map.of("offset", offset));
    } catch (IOException e) {
      throw ApiError.of(400, "invalid_json", "the body could not be read as JSON");
    }
    if (root == null || root.isMissingNode()) {
      throw ApiError.of(400, "empty_body", "the body is empty: send the run's input as JSON");
    }
    if (!isEnvelope(root)) {
      return TaskInput.plain(root);
    }
    try {
      return IngressJson.parse(bytes);
    } catch (IngressFormatException e) {
      throw ApiError.of(400, "invalid_envelope", e.getMessage());
    }
  }

  /** The envelope rule of docs/wire-format.md: an object with {@code input} and only envelope members. */
  private static boolean isEnvelope(JsonNode root) {
    if (!root.isObject() || !root.has("input")) {
      return false;
    }
    for (var names = root.fieldNames(); names.hasNext(); ) {
      if (!IngressJson.ENVELOPE_FIELDS.contains(names.next())) {
        return false;
      }
    }
    return true;
  }

  private void validate(GraphEntry graph, JsonNode input) {
    if (graph.inputSchema().isEmpty()) {
      return;
    }
    List<InputSchema.Violation> problems = graph.inputSchema().get().check(input);
    if (problems.isEmpty()) {
      return;
    }
    List<Map<String, Object>> violations = new ArrayList<>();
    problems.forEach(p -> {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("field", p.field());
      v.put("keyword", p.keyword());
      v.put("message", p.message());
      violations.add(v);
    });
    throw ApiError.of(422, "schema_violation", problems.size() + " violation(s) of graph '" + graph.name() + "' input schema: "
        + violations.getFirst().get("message"), Map.of("violations", violations));
  }

  private byte[] envelope(String runId, TaskInput task) {
    ObjectNode out = json.createObjectNode();
    out.put("runId", runId);
    out.set("input", task.input());
    if (!task.metadata().isEmpty()) {
      ObjectNode meta = out.putObject("metadata");
      task.metadata().forEach(meta::put);
    }
    task.deadline().ifPresent(d -> out.put("deadline", d.toString()));
    try {
      return json.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree could not be written back", e);
    }
  }

  private void release(String idempotencyDigest) {
    if (idempotencyDigest != null) {
      redis.releaseIdempotencyKey(idempotencyDigest);
    }
  }

  // ---- GET /v1/graphs ----

  private void listGraphs(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    ArrayNode list = json.createArrayNode();
    graphs.values().stream().filter(g -> principal.mayUse(g.name())).sorted((a, b) -> a.name().compareTo(b.name())).forEach(g -> {
      ObjectNode item = list.addObject();
      item.put("name", g.name());
      item.put("version", g.graph().version());
      g.graph().inputSchema().ifPresentOrElse(s -> item.set("inputSchema", s), () -> item.putNull("inputSchema"));
      item.putArray("nodes").addAll(g.graph().nodes().keySet().stream().sorted().map(json.getNodeFactory()::textNode).toList());
      item.put("runs", "/v1/graphs/" + g.name() + "/runs");
    });
    ObjectNode out = json.createObjectNode();
    out.set("graphs", list);
    sendJson(ctx, 200, out);
  }

  // ---- /v1/runs/{runId} ----

  /** The run's record, after checking the id and the caller's right to its graph. */
  private Future<RunRecord> allowedRun(RoutingContext ctx) {
    String runId = ctx.pathParam("runId");
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      return Future.failedFuture(ApiError.of(400, "invalid_run_id", "a run id is 1-128 of [A-Za-z0-9._:-]", Map.of("parameter", "runId")));
    }
    Principal principal = ctx.get(PRINCIPAL);
    return Future.fromCompletionStage(meshRedis.runRecords().get(runId), vertx.getOrCreateContext())
        .recover(e -> Future.failedFuture(ApiError.of(503, "state_unavailable", "Redis is not reachable: " + e.getMessage())))
        .compose(record -> {
          if (record.isEmpty()) {
            return Future.failedFuture(ApiError.of(404, "unknown_run", "no run " + runId + " (unknown, or expired)", Map.of("runId", runId)));
          }
          if (!principal.mayUse(record.get().graph())) {
            return Future.failedFuture(ApiError.of(403, "forbidden_graph", principal.name() + " may not read runs of graph '"
                + record.get().graph() + "'", Map.of("graph", record.get().graph())));
          }
          return Future.succeededFuture(record.get());
        });
  }

  private void getRun(RoutingContext ctx) {
    allowedRun(ctx).compose(record -> Future.fromCompletionStage(redis.result(record.runId()), vertx.getOrCreateContext())
            .recover(e -> Future.succeededFuture(Optional.empty()))
            .map(result -> RunJson.record(record, result.map(this::tree))))
        .onFailure(ctx::fail)
        .onSuccess(out -> sendJson(ctx, 200, out));
  }

  private void cancelRun(RoutingContext ctx) {
    allowedRun(ctx).compose(record -> {
          if (record.status().isTerminal()) {
            return Future.failedFuture(ApiError.of(409, "run_finished", "run " + record.runId() + " already ended " + record.status(),
                Map.of("runId", record.runId(), "status", record.status().name())));
          }
          return Future.fromCompletionStage(meshRedis.runRecords().requestCancel(record.runId()), vertx.getOrCreateContext())
              .map(v -> record);
        })
        .onFailure(ctx::fail)
        .onSuccess(record -> {
          ObjectNode out = json.createObjectNode();
          out.put("runId", record.runId());
          out.put("status", record.status().name());
          out.put("cancelRequested", true);
          out.put("message", "workers stop the run at its next step; its status becomes CANCELLED");
          ctx.response().putHeader("Location", "/v1/runs/" + record.runId());
          sendJson(ctx, 202, out);
        });
  }

  // ---- GET /v1/runs/{runId}/events (server-sent events) ----

  private void events(RoutingContext ctx) {
    long lastEventId = lastEventId(ctx);
    allowedRun(ctx).onFailure(ctx::fail).onSuccess(record -> {
      if (sseStreams.incrementAndGet() > limits.maxSseStreams()) {
        sseStreams.decrementAndGet();
        ctx.fail(ApiError.of(503, "too_many_streams", "the gateway already holds " + limits.maxSseStreams() + " event streams",
            Map.of("limit", "maxSseStreams", "maxSseStreams", limits.maxSseStreams())).withHeader("Retry-After", "1"));
        return;
      }
      new SseStream(ctx, record, lastEventId).open();
    });
  }

  private static long lastEventId(RoutingContext ctx) {
    String header = ctx.request().getHeader("Last-Event-ID");
    if (header == null || !header.matches("\\d{1,18}")) {
      return 0;
    }
    return Long.parseLong(header);
  }

  /** One open event stream: replays the run's held events, then forwards live ones; ends after the final one. */
  private final class SseStream implements EventFeed.Listener {
    private final RoutingContext ctx;
    private final RunRecord record;
    private final Context context;
    private long lastSent;
    private long keepAlive = -1;
    private long endTimer = -1;
    private boolean closed;

    SseStream(RoutingContext ctx, RunRecord record, long lastEventId) {
      this.ctx = ctx;
      this.record = record;
      this.context = vertx.getOrCreateContext();
      this.lastSent = lastEventId;
    }

    void open() {
      HttpServerResponse response = ctx.response();
      response.setStatusCode(200)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no")
          .setChunked(true);
      response.closeHandler(v -> close(false));
      response.write(": run " + record.runId() + "\n\n");
      List<EventFeed.Event> held = feed.subscribe(record.runId(), lastSent, this);
      held.forEach(this::send);
      if (closed) {
        return;
      }
      keepAlive = vertx.setPeriodic(SSE_KEEPALIVE_MS, id -> {
        if (!closed) {
          ctx.response().write(": keep-alive\n\n");
        }
      });
      if (record.status().isTerminal() && !feed.ended(record.runId())) {
        if (held.isEmpty() && graphs.containsKey(record.graph())) {
          replay(graphs.get(record.graph()).topics().events());
        } else {
          // the final event is still on its way to this instance: it has a moment to arrive
          endTimer = vertx.setTimer(SSE_END_GRACE_MS, id -> end());
        }
      }
    }

    /**
     * The run ended before this instance held any of its events (it ended before the in-memory
     * window, or before this instance started): its events are read back from the events topic;
     * if they cannot be, the stream says how the run ended.
     */
    private void replay(String eventsTopic) {
      Instant from = record.createdAt().orElseGet(() -> record.updatedAt().orElse(Instant.EPOCH));
      vertx.executeBlocking(() -> history.read(eventsTopic, record.runId(), from), false)
          .onComplete(read -> {
            if (read.succeeded()) {
              read.result().forEach(this::send);
            }
            end();
          });
    }

    /** Sends an {@code end} event with the run's status and closes, unless the stream ended already. */
    private void end() {
      if (closed) {
        return;
      }
      ObjectNode end = json.createObjectNode();
      end.put("runId", record.runId());
      end.put("status", record.status().name());
      ctx.response().write("event: end\ndata: " + end + "\n\n");
      close(true);
    }

    @Override
    public void onEvent(EventFeed.Event event) {
      context.runOnContext(v -> send(event));
    }

    private void send(EventFeed.Event event) {
      if (closed || event.seq() <= lastSent) {
        return;
      }
      lastSent = event.seq();
      HttpServerResponse response = ctx.response();
      response.write("id: " + event.seq() + "\nevent: " + event.type() + "\ndata: " + event.json() + "\n\n");
      if (event.terminal()) {
        close(true);
      } else if (response.writeQueueFull()) {
        LOG.debug("event stream of run {} is not read fast enough; closing it", record.runId());
        close(true);
      }
    }

    private void close(boolean end) {
      if (closed) {
        return;
      }
      closed = true;
      feed.unsubscribe(record.runId(), this);
      sseStreams.decrementAndGet();
      if (keepAlive >= 0) {
        vertx.cancelTimer(keepAlive);
      }
      if (endTimer >= 0) {
        vertx.cancelTimer(endTimer);
      }
      if (end && !ctx.response().ended()) {
        ctx.response().end();
      }
    }
  }

  // ---- health, metrics ----

  private void ready(RoutingContext ctx) {
    health.ready().onComplete(result -> {
      ObjectNode out = result.result();
      sendJson(ctx, "UP".equals(out.path("status").asText()) ? 200 : 503, out);
    });
  }

  private void metrics(RoutingContext ctx) {
    vertx.executeBlocking(metrics::scrape, false)
        .onFailure(ctx::fail)
        .onSuccess(text -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text));
  }

  // ---- writing ----

  private void sendJson(RoutingContext ctx, int status, JsonNode body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
  }

  private void sendError(RoutingContext ctx, ApiError error) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) { // an event stream already started: just end it
      response.end();
      return;
    }
    metrics.rejected(error.code());
    ObjectNode out = json.createObjectNode();
    out.put("error", error.code());
    out.put("message", error.getMessage());
    out.set("details", json.valueToTree(error.details()));
    error.headers().forEach(response::putHeader);
    response.setStatusCode(error.status()).putHeader("Content-Type", "application/json").end(out.toString());
  }

  private JsonNode tree(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      return json.getNodeFactory().textNode(text);
    }
  }

  private static String methodName(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String name = method == null ? "OTHER" : method.name();
    return KNOWN_METHODS.contains(name) ? name : "OTHER";
  }

  /** Client text echoed in messages: printable ASCII, at most 100 characters. */
  private static String safe(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), 100));
    for (int i = 0; i < text.length() && out.length() < 100; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }

  private static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
