package io.agentmesh.infra.model;

/** The faults a simulated model can inject; {@link #configName()} is the name used in config files and stats. */
public enum FaultKind {
    ERROR_500("error500"),
    RATE_LIMIT_429("rateLimit429"),
    HANG("hang"),
    MALFORMED("malformed");

    private final String configName;

    FaultKind(String configName) {
        this.configName = configName;
    }

    /** The name used in config files and in {@code GET /admin/stats}. */
    public String configName() {
        return configName;
    }
}
