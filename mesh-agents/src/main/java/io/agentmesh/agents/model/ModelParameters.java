package io.agentmesh.agents.model;

/**
 * Sampling parameters an endpoint applies when the request leaves them unset. Null means "the
 * server's default".
 */
public record ModelParameters(Double temperature, Integer maxTokens, Double topP, Long seed) {

    public static final ModelParameters NONE = new ModelParameters(null, null, null, null);

    public ModelParameters {
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("temperature must be in [0, 2], was " + temperature);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, was " + maxTokens);
        }
        if (topP != null && (topP <= 0 || topP > 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
    }
}
