package io.agentmesh.agents.model;

import java.time.Duration;

/** The endpoint did not answer within the request timeout (or answered HTTP 408). */
public final class ModelTimeoutException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public ModelTimeoutException(String endpoint, Duration timeout, Throwable cause) {
        super(endpoint, "no answer from " + endpoint + " within " + timeout, cause);
        this.timeout = timeout;
    }

    /** The timeout that was exceeded. */
    public Duration timeout() {
        return timeout;
    }
}
