package io.agentmesh.agents.model;

import java.time.Duration;
import java.util.Optional;

/** HTTP 429: the endpoint asks us to slow down, possibly saying for how long (Retry-After). */
public final class RateLimitedException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    /** {@code retryAfter} may be null when the server sent no usable Retry-After header. */
    public RateLimitedException(String endpoint, Duration retryAfter, String detail) {
        super(endpoint, "rate limited by " + endpoint
                + (retryAfter == null ? "" : " (retry after " + retryAfter.toMillis() + " ms)")
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), null);
        this.retryAfter = retryAfter;
    }

    /** How long the server asked us to wait, when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
