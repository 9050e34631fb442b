package io.agentmesh.agents.model;

import java.util.List;

/**
 * The model answered, but its content is not the JSON the request asked for (not JSON, or it breaks
 * the JSON Schema). Retriable: sampling again often gives a valid answer.
 */
public final class OutputValidationException extends RetriableModelException {

    private static final long serialVersionUID = 1L;

    private final List<String> violations;

    public OutputValidationException(String endpoint, String schemaName, List<String> violations) {
        super(endpoint, "output of " + endpoint + " violates schema '" + schemaName + "': "
                + String.join("; ", violations), null);
        this.violations = List.copyOf(violations);
    }

    /** What is wrong, one line per violation (for example {@code $.score: string found, integer expected}). */
    public List<String> violations() {
        return violations;
    }
}
