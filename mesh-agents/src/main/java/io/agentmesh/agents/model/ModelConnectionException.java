package io.agentmesh.agents.model;

/** The connection could not be made or broke mid-exchange (refused, reset, closed early). */
public final class ModelConnectionException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    public ModelConnectionException(String endpoint, Throwable cause) {
        super(endpoint, "connection to " + endpoint + " failed: " + cause, cause);
    }
}
