package io.agentmesh.infra.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the registry: Confluent's paths, content types, status codes and error bodies.
 *
 * <p>Every operation runs on a worker thread ({@code executeBlocking}) because writes wait for
 * Kafka; the event loop only parses and answers.
 */
final class RegistryRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryRoutes.class);
  static final String V1_JSON = "application/vnd.schemaregistry.v1+json";
  private static final String JSON_ANY = "application/vnd.schemaregistry+json";
  private static final List<String> ACCEPTED_BODIES =
      List.of(V1_JSON, JSON_ANY, "application/json", "application/octet-stream");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryService service;

  RegistryRoutes(RegistryService service) {
    this.service = service;
  }

  /** Builds the router. */
  Router router(Vertx vertx) {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create().setBodyLimit(16 * 1024 * 1024));
    r.route().handler(this::checkContentType);

    r.get("/").handler(ctx -> reply(ctx, Map.of()));
    r.get("/schemas/types").handler(ctx -> reply(ctx, List.of(RegistryService.AVRO)));
    r.get("/schemas/ids/:id").handler(ctx -> run(ctx, () -> Map.of("schema", service.schemaById(id(ctx)))));
    r.get("/schemas/ids/:id/schema").handler(ctx -> run(ctx, () -> raw(service.schemaById(id(ctx)))));
    r.get("/schemas/ids/:id/versions").handler(ctx -> run(ctx, () -> service.usesOf(id(ctx), deleted(ctx))
        .stream().map(v -> Map.of("subject", v.subject(), "version", v.version())).toList()));
    r.get("/schemas/ids/:id/subjects").handler(ctx -> run(ctx, () -> service.usesOf(id(ctx), deleted(ctx))
        .stream().map(RegistryService.Version::subject).distinct().toList()));

    r.get("/subjects").handler(ctx -> run(ctx, () -> service.subjects(deleted(ctx))));
    r.get("/subjects/:subject/versions").handler(ctx ->
        run(ctx, () -> service.versions(subject(ctx), deleted(ctx))));
    r.post("/subjects/:subject/versions").handler(ctx -> run(ctx, () -> {
      JsonNode body = body(ctx);
      return Map.of("id", service.register(subject(ctx), text(body, "schema"), text(body, "schemaType"),
          hasReferences(body)));
    }));
    r.post("/subjects/:subject").handler(ctx -> run(ctx, () -> {
      JsonNode body = body(ctx);
      return service.lookup(subject(ctx), text(body, "schema"), text(body, "schemaType"),
          hasReferences(body), deleted(ctx));
    }));
    r.get("/subjects/:subject/versions/:version").handler(ctx ->
        run(ctx, () -> service.version(subject(ctx), ctx.pathParam("version"), deleted(ctx))));
    r.get("/subjects/:subject/versions/:version/schema").handler(ctx -> run(ctx, () ->
        raw(service.version(subject(ctx), ctx.pathParam("version"), deleted(ctx)).schema())));
    r.get("/subjects/:subject/versions/:version/referencedby").handler(ctx -> run(ctx, () -> {
      service.version(subject(ctx), ctx.pathParam("version"), deleted(ctx));
      return List.of();
    }));
    r.delete("/subjects/:subject/versions/:version").handler(ctx -> run(ctx, () ->
        service.deleteVersion(subject(ctx), ctx.pathParam("version"), flag(ctx, "permanent"))));
    r.delete("/subjects/:subject").handler(ctx -> run(ctx, () ->
        service.deleteSubject(subject(ctx), flag(ctx, "permanent"))));

    r.post("/compatibility/subjects/:subject/versions/:version").handler(ctx ->
        compatibility(ctx, ctx.pathParam("version")));
    r.post("/compatibility/subjects/:subject/versions").handler(ctx -> compatibility(ctx, null));

    r.get("/config").handler(ctx -> run(ctx, () -> level(service.globalLevel())));
    r.put("/config").handler(ctx -> run(ctx, () ->
        Map.of("compatibility", service.setLevel(null, text(body(ctx), "compatibility")).name())));
    r.get("/config/:subject").handler(ctx -> run(ctx, () ->
        level(service.subjectLevel(subject(ctx), flag(ctx, "defaultToGlobal")))));
    r.put("/config/:subject").handler(ctx -> run(ctx, () ->
        Map.of("compatibility", service.setLevel(subject(ctx), text(body(ctx), "compatibility")).name())));
    r.delete("/config/:subject").handler(ctx -> run(ctx, () ->
        level(service.deleteSubjectLevel(subject(ctx)))));
    r.get("/mode").handler(ctx -> reply(ctx, Map.of("mode", "READWRITE")));

    r.errorHandler(404, ctx -> error(ctx, new RegistryException(404, "HTTP 404 Not Found")));
    r.errorHandler(405, ctx -> error(ctx, new RegistryException(405, "HTTP 405 Method Not Allowed")));
    r.errorHandler(413, ctx -> error(ctx, new RegistryException(413, "Request body too large")));
    return r;
  }

  private void compatibility(RoutingContext ctx, String version) {
    run(ctx, () -> {
      JsonNode body = body(ctx);
      List<String> problems = service.compatibility(subject(ctx), version, text(body, "schema"),
          text(body, "schemaType"), hasReferences(body));
      return flag(ctx, "verbose")
          ? Map.of("is_compatible", problems.isEmpty(), "messages", problems)
          : Map.of("is_compatible", problems.isEmpty());
    });
  }

  private void checkContentType(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && ctx.body().length() > 0) {
      String bare = type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
      if (!ACCEPTED_BODIES.contains(bare)) {
        error(ctx, new RegistryException(415, "HTTP 415 Unsupported Media Type: " + type
            + "; send one of " + ACCEPTED_BODIES));
        return;
      }
    }
    ctx.next();
  }

  /** Runs an operation on a worker thread and answers with its result or its error. */
  private void run(RoutingContext ctx, Callable<Object> operation) {
    ctx.vertx().executeBlocking(operation, false).onComplete(ar -> {
      if (ar.succeeded()) {
        reply(ctx, ar.result());
      } else if (ar.cause() instanceof RegistryException e) {
        error(ctx, e);
      } else {
        LOG.error("Schema Registry request {} {} failed", ctx.request().method(), ctx.request().path(),
            ar.cause());
        error(ctx, new RegistryException(50001, "Error in the backend data store: " + ar.cause()));
      }
    });
  }

  private static void reply(RoutingContext ctx, Object result) {
    try {
      String body = result instanceof Raw raw ? raw.text() : JSON.writeValueAsString(result);
      ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, responseType(ctx)).end(body);
    } catch (JsonProcessingException e) {
      error(ctx, new RegistryException(50001, "cannot write the response: " + e.getMessage()));
    }
  }

  private static void error(RoutingContext ctx, RegistryException e) {
    if (ctx.response().ended()) {
      return;
    }
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("error_code", e.errorCode(), "message", e.getMessage()));
    } catch (JsonProcessingException impossible) {
      body = "{\"error_code\":50001}";
    }
    ctx.response().setStatusCode(e.httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, responseType(ctx))
        .end(body);
  }

  private static String responseType(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept == null || accept.contains(V1_JSON) || accept.contains("*/*")) {
      return V1_JSON;
    }
    if (accept.contains(JSON_ANY)) {
      return JSON_ANY;
    }
    return accept.contains("application/json") ? "application/json" : V1_JSON;
  }

  /** A reply body sent as is (a schema's own JSON text). */
  private record Raw(String text) {}

  private static Raw raw(String text) {
    return new Raw(text);
  }

  private static Map<String, String> level(CompatibilityLevel level) {
    return Map.of("compatibilityLevel", level.name());
  }

  private static String subject(RoutingContext ctx) {
    return ctx.pathParam("subject");
  }

  private static int id(RoutingContext ctx) {
    String text = ctx.pathParam("id");
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw RegistryException.schemaNotFound("id '" + text + "' is not a number");
    }
  }

  private static boolean deleted(RoutingContext ctx) {
    return flag(ctx, "deleted");
  }

  private static boolean flag(RoutingContext ctx, String name) {
    return Boolean.parseBoolean(ctx.queryParams().get(name));
  }

  private static JsonNode body(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw RegistryException.badRequest("The request needs a JSON body.");
    }
    try {
      JsonNode node = JSON.readTree(text);
      if (!node.isObject()) {
        throw RegistryException.badRequest("The request body must be a JSON object.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw RegistryException.badRequest("The request body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static boolean hasReferences(JsonNode body) {
    JsonNode refs = body.get("references");
    return refs != null && refs.isArray() && !refs.isEmpty();
  }
}
