package io.agentmesh.agents.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * What running a node produced for one input.
 *
 * @param payload the bytes the next nodes receive
 * @param contentType their content type
 * @param decision what edge conditions see as {@code output} (the payload parsed, or a router's label)
 * @param stateUpdates changes to merge into the run's shared state
 * @param tokensIn prompt tokens used
 * @param tokensOut completion tokens used
 * @param modelMicros time spent in model calls, in microseconds
 */
public record NodeOutput(byte[] payload, String contentType, Object decision, Map<String, Object> stateUpdates,
                         long tokensIn, long tokensOut, long modelMicros) {

  public NodeOutput {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(contentType, "contentType");
    stateUpdates = stateUpdates == null ? Map.of() : Map.copyOf(stateUpdates);
  }
}
