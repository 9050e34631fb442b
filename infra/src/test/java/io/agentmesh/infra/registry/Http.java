package io.agentmesh.infra.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP caller for registry tests: real requests, JSON answers. */
final class Http {

  static final String V1 = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;

  Http(String base) {
    this.base = base;
  }

  /** One answer. */
  record Answer(int status, String contentType, String text) {
    JsonNode json() {
      try {
        return JSON.readTree(text);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + text, e);
      }
    }

    int errorCode() {
      return json().path("error_code").asInt();
    }
  }

  Answer get(String path) {
    return send("GET", path, null, V1);
  }

  Answer delete(String path) {
    return send("DELETE", path, null, V1);
  }

  Answer post(String path, Object body) {
    return send("POST", path, body, V1);
  }

  Answer put(String path, Object body) {
    return send("PUT", path, body, V1);
  }

  Answer send(String method, String path, Object body, String contentType) {
    try {
      String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
          .method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
      if (contentType != null) {
        request.header("Content-Type", contentType);
      }
      HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed", e);
    }
  }
}
