package io.agentmesh.agents.model;

/**
 * The endpoint's circuit breaker is open, so no call was made. Retriable later; it is not a model
 * call and is not counted as one.
 */
public final class CircuitOpenException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    public CircuitOpenException(String endpoint) {
        super(endpoint, "circuit breaker of " + endpoint + " is open: call not made", null);
    }
}
