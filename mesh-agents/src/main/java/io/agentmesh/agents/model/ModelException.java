package io.agentmesh.agents.model;

import java.util.Objects;

/**
 * A failed model call. The subtype says what to do next: a {@link RetriableModelException} may
 * succeed if the same request is sent again later; a {@link FatalModelException} will not.
 */
public abstract sealed class ModelException extends Exception
        permits RetriableModelException, FatalModelException {

    private static final long serialVersionUID = 1L;

    private final String endpoint;

    ModelException(String endpoint, String message, Throwable cause) {
        super(message, cause);
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /** The name of the endpoint that failed (never its URL with credentials, never a key). */
    public String endpoint() {
        return endpoint;
    }

    /** Whether sending the same request again may succeed. */
    public abstract boolean retriable();
}
