package io.agentmesh.agents.model;

import java.time.Duration;

/** The endpoint did not answer within the request timeout (or answered HTTP 408). */
public final class ModelTimeoutException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /** {@code timeout} is ours, or {@link Duration#ZERO} when the server answered 408. */
    public ModelTimeoutException(String endpoint, Duration timeout, Throwable cause) {
        super(endpoint, timeout.isZero() ? "HTTP 408 (request timeout) from " + endpoint
                : "no answer from " + endpoint + " within " + timeout.toMillis() + " ms", cause);
        this.timeout = timeout;
    }

    /** The timeout that was exceeded (zero for a server-side 408). */
    public Duration timeout() {
        return timeout;
    }
}
