package io.agentmesh.core.state;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The output a node produced for one exact input of a run, as recorded before the input was
 * acknowledged. A redelivered input re-emits this instead of calling the model again.
 *
 * @param runId the run
 * @param node the node that produced the output
 * @param inputId the id of the input (hop) the node consumed
 * @param output the output bytes
 * @param contentType media type of the output, for example {@code application/json}
 * @param tokensIn prompt tokens the model call used
 * @param tokensOut completion tokens the model call used
 * @param serviceMs how long the node took to produce the output, in milliseconds (rounded): a
 *     redelivery answered from the checkpoint reports this, not its own few milliseconds
 * @param modelMicros how long the node's model calls took, in microseconds
 * @param recordedAt when the output was recorded
 * @param hops the serialized outbound hops, when the runtime records them; empty otherwise
 */
public record Checkpoint(
    String runId,
    String node,
    String inputId,
    byte[] output,
    String contentType,
    long tokensIn,
    long tokensOut,
    long serviceMs,
    long modelMicros,
    Instant recordedAt,
    Optional<byte[]> hops) {

  public Checkpoint {
    RedisKeys.checkRunId(runId);
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(inputId, "inputId");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(recordedAt, "recordedAt");
    Objects.requireNonNull(hops, "hops");
    if (tokensIn < 0 || tokensOut < 0 || serviceMs < 0 || modelMicros < 0) {
      throw new IllegalArgumentException("tokens and times must not be negative: tokensIn=" + tokensIn
          + ", tokensOut=" + tokensOut + ", serviceMs=" + serviceMs + ", modelMicros=" + modelMicros);
    }
  }

  /** A copy carrying the serialized outbound hops. */
  public Checkpoint withHops(byte[] serializedHops) {
    return new Checkpoint(runId, node, inputId, output, contentType, tokensIn, tokensOut,
        serviceMs, modelMicros, recordedAt, Optional.of(serializedHops));
  }

  /** Compares byte contents, not array identity. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint c
        && runId.equals(c.runId) && node.equals(c.node) && inputId.equals(c.inputId)
        && Arrays.equals(output, c.output) && contentType.equals(c.contentType)
        && tokensIn == c.tokensIn && tokensOut == c.tokensOut && serviceMs == c.serviceMs
        && modelMicros == c.modelMicros
        && recordedAt.equals(c.recordedAt)
        && hops.isPresent() == c.hops.isPresent()
        && (hops.isEmpty() || Arrays.equals(hops.get(), c.hops.get()));
  }

  @Override
  public int hashCode() {
    return Objects.hash(runId, node, inputId, Arrays.hashCode(output), recordedAt);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + runId + "/" + node + "/" + inputId + ", " + output.length + " bytes "
        + contentType + ", tokens " + tokensIn + "/" + tokensOut + ", service " + serviceMs + " ms, model " + modelMicros
        + " us, at " + recordedAt + (hops.isPresent() ? ", hops " + hops.get().length + " bytes" : "") + "]";
  }
}
