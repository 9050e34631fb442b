package io.agentmesh.agents.model;

/** HTTP 401 or 403: the API key is missing, wrong or not allowed to use this model. */
public final class ModelAuthenticationException extends FatalModelException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public ModelAuthenticationException(String endpoint, int status, String detail) {
        super(endpoint, "HTTP " + status + " from " + endpoint + " (check the API key variable)"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), null);
        this.status = status;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }
}
