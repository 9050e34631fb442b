package io.agentmesh.agents.state;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * The recorded outcome of one tool call, so a redelivered input feeds the model the same result
 * instead of calling the tool again.
 *
 * @param runId the run
 * @param node the agent node that asked for the call
 * @param inputId the input the node was working on
 * @param toolCallId the model's id for the call
 * @param result what the tool returned (or the error text when {@code failed})
 * @param failed whether the call failed; a failure fed back to the model is an effect too
 * @param recordedAt when it was recorded (kept to the millisecond)
 */
public record ToolEffect(
    String runId, String node, String inputId, String toolCallId, byte[] result, boolean failed, Instant recordedAt) {

  public ToolEffect {
    RedisKeys.checkRunId(runId);
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(inputId, "inputId");
    Objects.requireNonNull(toolCallId, "toolCallId");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(recordedAt, "recordedAt");
  }

  /** Compares byte contents, not array identity. */
  @Override
  public boolean equals(Object other) {
    return other instanceof ToolEffect t
        && runId.equals(t.runId) && node.equals(t.node) && inputId.equals(t.inputId)
        && toolCallId.equals(t.toolCallId) && Arrays.equals(result, t.result)
        && failed == t.failed && recordedAt.equals(t.recordedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, node, inputId, toolCallId, Arrays.hashCode(result), failed, recordedAt);
  }

  @Override
  public String toString() {
    return "ToolEffect[" + runId + "/" + node + "/" + inputId + "/" + toolCallId + ", "
        + result.length + " bytes" + (failed ? ", failed" : "") + ", at " + recordedAt + "]";
  }
}
