package io.agentmesh.agents.model;

import java.util.Objects;

/**
 * A function call the model asked for.
 *
 * @param id        the call id, echoed back in the tool message that answers it
 * @param name      the function name
 * @param arguments the arguments as the JSON text the model produced (may be invalid JSON: models err)
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        arguments = arguments == null ? "{}" : arguments;
    }
}
