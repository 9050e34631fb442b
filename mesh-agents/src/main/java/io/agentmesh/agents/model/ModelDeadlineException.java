package io.agentmesh.agents.model;

import java.time.Instant;

/**
 * The request's own deadline ({@link ChatRequest#deadline()}, a run's deadline) passed before the model
 * answered, or before a retry or the fallback could be tried. Not the endpoint's fault: it is not
 * retried, does not count against the breaker, and does not go to the fallback.
 */
public final class ModelDeadlineException extends FatalModelException {

    private static final long serialVersionUID = 1L;

    private final Instant deadline;

    public ModelDeadlineException(String endpoint, Instant deadline, Throwable cause) {
        super(endpoint, "the caller's deadline " + deadline + " passed before " + endpoint + " answered", cause);
        this.deadline = deadline;
    }

    /** The deadline that passed. */
    public Instant deadline() {
        return deadline;
    }
}
