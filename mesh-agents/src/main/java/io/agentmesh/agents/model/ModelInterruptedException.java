package io.agentmesh.agents.model;

/** The calling thread was interrupted (shutdown, cancelled run); the interrupt flag is set again. */
public final class ModelInterruptedException extends FatalModelException {

    private static final long serialVersionUID = 1L;

    public ModelInterruptedException(String endpoint, InterruptedException cause) {
        super(endpoint, "call to " + endpoint + " interrupted", cause);
    }
}
