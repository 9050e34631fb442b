package io.agentmesh.agents.model;

/** The state of an endpoint's circuit breaker. */
public enum CircuitState {
    /** Calls flow; failures are counted. */
    CLOSED,
    /** Calls fail fast with {@link CircuitOpenException}. */
    OPEN,
    /** A few trial calls decide whether to close or open again. */
    HALF_OPEN
}
