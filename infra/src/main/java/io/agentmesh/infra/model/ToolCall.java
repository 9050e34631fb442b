package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A function call a simulated model answers with.
 *
 * @param name      the function name
 * @param arguments the arguments, a JSON document (sent as a JSON string, as OpenAI does)
 */
public record ToolCall(String name, JsonNode arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "toolCalls.name");
        Objects.requireNonNull(arguments, "toolCalls.arguments");
        if (name.isBlank()) {
            throw new IllegalArgumentException("toolCalls.name must not be blank");
        }
    }
}
