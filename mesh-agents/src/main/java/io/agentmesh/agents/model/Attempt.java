package io.agentmesh.agents.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One model call made on behalf of a request: where, when, how long, and how it ended.
 *
 * @param endpoint  name of the endpoint called
 * @param number    1-based attempt number on that endpoint
 * @param startedAt wall-clock start
 * @param latency   time until the answer or the failure
 * @param failure   simple name of the exception type, or null on success
 * @param detail    the failure message, or null on success
 */
public record Attempt(String endpoint, int number, Instant startedAt, Duration latency,
                      String failure, String detail) {

    public Attempt {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(latency, "latency");
        if (number < 1) {
            throw new IllegalArgumentException("number must be >= 1, was " + number);
        }
    }

    static Attempt succeeded(String endpoint, int number, Instant startedAt, Duration latency) {
        return new Attempt(endpoint, number, startedAt, latency, null, null);
    }

    static Attempt failed(String endpoint, int number, Instant startedAt, Duration latency, ModelException e) {
        return new Attempt(endpoint, number, startedAt, latency, e.getClass().getSimpleName(), e.getMessage());
    }

    /** Whether this attempt produced the answer. */
    public boolean succeeded() {
        return failure == null;
    }
}
