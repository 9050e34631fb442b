package io.agentmesh.agents.model;

/** The endpoint answered 2xx but the body is not a chat completion we can read (garbage, truncated, no choices). */
public final class ModelProtocolException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    public ModelProtocolException(String endpoint, String detail, Throwable cause) {
        super(endpoint, "unreadable answer from " + endpoint + ": " + detail, cause);
    }
}
