package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;

/** OpenAI-style error bodies: {@code {"error":{"message","type","param","code"}}}. */
final class Errors {

    private Errors() {
    }

    static void send(HttpServerResponse response, int status, String message, String type, String param, String code) {
        if (response.ended() || response.closed()) {
            return;
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message).put("type", type).put("param", param).put("code", code);
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(root.toString());
    }
}
