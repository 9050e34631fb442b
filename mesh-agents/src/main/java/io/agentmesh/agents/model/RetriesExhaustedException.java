package io.agentmesh.agents.model;

import java.util.List;

/**
 * Every attempt failed (on the primary and, when there is one, the fallback). Carries the attempt
 * history for the dead letter; the cause is the last failure.
 */
public final class RetriesExhaustedException extends FatalModelException {

    private static final long serialVersionUID = 1L;

    private final transient List<Attempt> attempts;

    public RetriesExhaustedException(String endpoint, List<Attempt> attempts, ModelException last) {
        super(endpoint, "gave up on " + endpoint + " after " + attempts.size() + " attempt(s); last: "
                + last.getMessage(), last);
        this.attempts = List.copyOf(attempts);
    }

    /** Every model call made, in order, with its outcome. */
    public List<Attempt> attempts() {
        return attempts;
    }

    /** The last failure. */
    public ModelException last() {
        return (ModelException) getCause();
    }
}
