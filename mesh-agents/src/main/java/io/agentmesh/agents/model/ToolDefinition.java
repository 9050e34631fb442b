package io.agentmesh.agents.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/**
 * A function the model may call.
 *
 * @param name        function name ({@code [a-zA-Z0-9_-]{1,64}} per the OpenAI API)
 * @param description what it does, for the model; may be null
 * @param parameters  JSON Schema of the arguments object (copied; an empty object schema when null)
 */
public record ToolDefinition(String name, String description, JsonNode parameters) {

    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("tool name must match [a-zA-Z0-9_-]{1,64}, was '" + name + "'");
        }
        parameters = parameters == null
                ? JsonNodeFactory.instance.objectNode().put("type", "object")
                : parameters.deepCopy();
    }

    /** The parameters schema (a copy: records stay immutable). */
    @Override
    public JsonNode parameters() {
        return parameters.deepCopy();
    }
}
