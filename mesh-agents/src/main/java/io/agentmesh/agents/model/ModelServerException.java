package io.agentmesh.agents.model;

/** A transient HTTP status from the endpoint: 5xx, or 409 (conflict, retried by OpenAI's own clients). */
public final class ModelServerException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public ModelServerException(String endpoint, int status, String detail) {
        super(endpoint, "HTTP " + status + " from " + endpoint
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), null);
        this.status = status;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }
}
