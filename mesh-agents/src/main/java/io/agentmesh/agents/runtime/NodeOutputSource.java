package io.agentmesh.agents.runtime;

import java.util.Objects;
import java.util.Optional;

/**
 * Recorded node outputs served instead of calling models (deterministic replay). When a runtime
 * has one, every node that would call a model asks it first; a missing recording fails the run
 * with a clear error and is never sent to a real model.
 */
public interface NodeOutputSource {

  /** The recorded output of {@code node} for this input, or empty when none was recorded. */
  Optional<RecordedOutput> find(String runId, String node, String inputId);

  /**
   * One recorded node output.
   *
   * @param payload the bytes the node emitted
   * @param contentType their content type
   * @param tokensIn prompt tokens the recorded call used
   * @param tokensOut completion tokens the recorded call used
   * @param modelMillis time the recorded call spent in the model
   * @param decision a classifier router's recorded routing decision (JSON), null for other nodes
   */
  record RecordedOutput(byte[] payload, String contentType, long tokensIn, long tokensOut, long modelMillis, byte[] decision) {
    public RecordedOutput {
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(contentType, "contentType");
    }
  }
}
