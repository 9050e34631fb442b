package io.agentmesh.infra.model;

/** The simulator could not listen because its address is taken; choose another port, or 0 for a free one. */
public final class PortInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final String host;
    private final int port;

    PortInUseException(String host, int port, Throwable cause) {
        super("model simulator cannot listen on " + host + ":" + port
                + ": the address is already in use (choose another port, or port 0 for a free one)", cause);
        this.host = host;
        this.port = port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
