package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.util.Map;

/** One HTTP server instance of the simulator (several run, one per event loop, sharing one port). */
final class SimulatorVerticle extends VerticleBase {

    static final long BODY_LIMIT = 32L * 1024 * 1024;

    private final Registry registry;
    private final HttpServerOptions options;
    private final long startedAt;
    private HttpServer server;

    SimulatorVerticle(Registry registry, HttpServerOptions options, long startedAt) {
        this.registry = registry;
        this.options = options;
        this.startedAt = startedAt;
    }

    int actualPort() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.post("/v1/chat/completions").handler(new ChatHandler(registry));
        router.get("/v1/models").handler(this::listModels);
        router.getWithRegex("/v1/models/(?<name>.+)").handler(this::getModel);
        router.putWithRegex("/admin/models/(?<name>.+)").handler(this::putModel);
        router.deleteWithRegex("/admin/models/(?<name>.+)").handler(this::deleteModel);
        router.get("/admin/stats").handler(this::stats);
        router.post("/admin/reset").handler(this::reset);
        router.get("/health").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok"));
        router.errorHandler(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " "
                + ctx.request().path(), "not_found"));
        router.errorHandler(405, ctx -> error(ctx, 405, ctx.request().method() + " is not allowed on "
                + ctx.request().path(), "method_not_allowed"));
        router.errorHandler(413, ctx -> error(ctx, 413, "the request body is larger than " + BODY_LIMIT
                + " bytes", "request_too_large"));
        router.errorHandler(500, ctx -> error(ctx, 500, "simulator error: " + ctx.failure(), "internal_error"));
        server = vertx.createHttpServer(options).requestHandler(router);
        return server.listen();
    }

    private void error(RoutingContext ctx, int status, String message, String code) {
        if (status < 500) {
            registry.rejected();
        }
        Errors.send(ctx.response(), status, message, status < 500 ? "invalid_request_error" : "server_error", null, code);
    }

    private void listModels(RoutingContext ctx) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        registry.behaviours().forEach(b -> data.add(model(b.name())));
        json(ctx, 200, root);
    }

    private void getModel(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        if (registry.get(name) == null) {
            Errors.send(ctx.response(), 404, "The model '" + name + "' does not exist", "invalid_request_error",
                    "model", "model_not_found");
            return;
        }
        json(ctx, 200, model(name));
    }

    private ObjectNode model(String name) {
        return Json.MAPPER.createObjectNode().put("id", name).put("object", "model").put("created", startedAt)
                .put("owned_by", "agentmesh-simulator");
    }

    private void putModel(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String source = "PUT /admin/models/" + name;
        JsonNode body;
        try {
            body = ctx.body().buffer() == null ? null : Json.MAPPER.readTree(ctx.body().buffer().getBytes());
        } catch (IOException e) {
            error(ctx, 400, source + ": the body is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), "invalid_config");
            return;
        }
        if (body == null || !body.isObject()) {
            error(ctx, 400, source + ": expected a JSON object with the model's configuration", "invalid_config");
            return;
        }
        JsonNode given = body.get("name");
        if (given == null || given.isNull()) {
            ((ObjectNode) body).put("name", name);
        } else if (!given.isTextual() || !given.textValue().equals(name)) {
            error(ctx, 400, source + ": name: " + given + " differs from the name in the path", "invalid_config");
            return;
        }
        ModelBehaviour behaviour;
        try {
            behaviour = ModelConfig.parseModel(body, source);
        } catch (ModelConfigException e) {
            error(ctx, 400, e.getMessage(), "invalid_config");
            return;
        }
        boolean created = registry.put(behaviour);
        json(ctx, created ? 201 : 200, Json.MAPPER.createObjectNode().put("model", name).put("created", created));
    }

    private void deleteModel(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        if (!registry.remove(name)) {
            Errors.send(ctx.response(), 404, "The model '" + name + "' does not exist", "invalid_request_error",
                    "model", "model_not_found");
            return;
        }
        ctx.response().setStatusCode(204).end();
    }

    private void stats(RoutingContext ctx) {
        SimulatorStats stats = registry.stats();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("inFlight", stats.inFlight()).put("rejected", stats.rejected()).put("requests", stats.requests());
        ObjectNode models = root.putObject("models");
        for (Map.Entry<String, SimulatorStats.ModelStats> e : stats.models().entrySet()) {
            SimulatorStats.ModelStats s = e.getValue();
            ObjectNode m = models.putObject(e.getKey());
            m.put("requests", s.requests()).put("completed", s.completed()).put("inFlight", s.inFlight());
            ObjectNode faults = m.putObject("faults");
            for (FaultKind k : FaultKind.values()) {
                faults.put(k.configName(), s.faults(k));
            }
        }
        json(ctx, 200, root);
    }

    private void reset(RoutingContext ctx) {
        registry.reset();
        json(ctx, 200, Json.MAPPER.createObjectNode().put("reset", true));
    }

    private static void json(RoutingContext ctx, int status, JsonNode body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }
}
