package io.agentmesh.agents.model;

import java.time.Duration;

/**
 * Hooks for counting what {@link ResilientChatModel} does (the runtime binds them to Micrometer).
 * Called on the calling thread; keep them quick. An exception thrown here is logged and ignored.
 */
public interface ModelCallListener {

    /** Does nothing. */
    ModelCallListener NONE = new ModelCallListener() { };

    /** A model call ended (success or failure). */
    default void onAttempt(Attempt attempt) {
    }

    /** A retry of {@code endpoint} will be made after {@code delay}; {@code nextAttempt} is its 1-based number. */
    default void onRetryScheduled(String endpoint, int nextAttempt, Duration delay, ModelException cause) {
    }

    /** The breaker of {@code endpoint} moved from one state to another. */
    default void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {
    }

    /** A call to {@code endpoint} was refused because its breaker is open (no model call made). */
    default void onCallNotPermitted(String endpoint) {
    }

    /** The fallback is being asked because the primary failed or its breaker is open. */
    default void onFallback(String primary, String fallback, ModelException reason) {
    }
}
