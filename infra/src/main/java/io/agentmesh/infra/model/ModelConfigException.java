package io.agentmesh.infra.model;

/** A model configuration (file, admin request or builder setting) that cannot be used; the message names the source and the field. */
public final class ModelConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ModelConfigException(String message) {
        super(message);
    }

    ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
