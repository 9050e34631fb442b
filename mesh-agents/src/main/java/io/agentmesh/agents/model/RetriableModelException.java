package io.agentmesh.agents.model;

/** A failure that may go away: timeouts, rate limits, server errors, broken connections, bad output. */
public abstract sealed class RetriableModelException extends ModelException
        permits ModelTimeoutException, RateLimitedException, ModelServerException,
                ModelConnectionException, ModelProtocolException, OutputValidationException,
                CircuitOpenException {

    private static final long serialVersionUID = 1L;

    RetriableModelException(String endpoint, String message, Throwable cause) {
        super(endpoint, message, cause);
    }

    @Override
    public final boolean retriable() {
        return true;
    }
}
