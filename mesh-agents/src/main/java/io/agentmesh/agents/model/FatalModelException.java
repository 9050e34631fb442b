package io.agentmesh.agents.model;

/** A failure that sending the same request again will not cure: a bad request, bad credentials, exhausted retries, a passed deadline. */
public abstract sealed class FatalModelException extends ModelException
        permits ModelRequestException, ModelAuthenticationException, ModelInterruptedException,
                ModelDeadlineException, RetriesExhaustedException {

    private static final long serialVersionUID = 1L;

    FatalModelException(String endpoint, String message, Throwable cause) {
        super(endpoint, message, cause);
    }

    @Override
    public final boolean retriable() {
        return false;
    }
}
