package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.Attempt;
import java.util.List;
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
 * @param failedModelCalls model calls that failed and were followed by a retry or a fallback, oldest
 *     first (each becomes a RETRY_SCHEDULED event); empty for most outputs
 */
public record NodeOutput(byte[] payload, String contentType, Object decision, Map<String, Object> stateUpdates,
                         long tokensIn, long tokensOut, long modelMicros, List<Attempt> failedModelCalls) {

  /** An output whose model calls, if any, all answered at the first attempt. */
  public NodeOutput(byte[] payload, String contentType, Object decision, Map<String, Object> stateUpdates,
                    long tokensIn, long tokensOut, long modelMicros) {
    this(payload, contentType, decision, stateUpdates, tokensIn, tokensOut, modelMicros, List.of());
  }

  public NodeOutput {
    failedModelCalls = failedModelCalls == null ? List.of() : List.copyOf(failedModelCalls);
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(contentType, "contentType");
    stateUpdates = stateUpdates == null ? Map.of() : Map.copyOf(stateUpdates);
  }
}
