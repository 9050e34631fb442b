package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A plain java.net.http client for the simulator's endpoints, as a test's OpenAI client would talk to it. */
final class SimClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String root;

    SimClient(ModelSimulator simulator) {
        this.root = "http://127.0.0.1:" + simulator.port();
    }

    /** A chat request body: one user message. */
    static ObjectNode chat(String model, String user) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", user);
        return body;
    }

    static ArrayNode messages(ObjectNode body) {
        return (ArrayNode) body.get("messages");
    }

    HttpResponse<String> post(String path, Object body) {
        return send(request(path, Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    HttpResponse<String> put(String path, Object body) {
        return send(request(path, Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    HttpResponse<String> get(String path) {
        return send(request(path, Duration.ofSeconds(10)).GET());
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, Object body, Duration timeout) {
        return http.sendAsync(request(path, timeout).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(root + path)).timeout(timeout)
                .header("Content-Type", "application/json");
    }

    HttpClient http() {
        return http;
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
