package io.agentmesh.agents.model;

/** A 4xx the caller must fix: bad request (400), unknown model or path (404), unprocessable (422) and the like. */
public final class ModelRequestException extends FatalModelException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public ModelRequestException(String endpoint, int status, String detail) {
        super(endpoint, "HTTP " + status + " from " + endpoint
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), null);
        this.status = status;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }
}
