package io.agentmesh.core.state;

import java.time.Instant;
import java.util.Optional;

/**
 * What a run record holds about one node: last start and finish, and totals over its visits.
 *
 * @param node the node
 * @param started when it last started
 * @param finished when it last finished
 * @param serviceMs total time spent in the node
 * @param modelMicros total time spent waiting for models, in microseconds
 * @param tokensIn total prompt tokens
 * @param tokensOut total completion tokens
 * @param attempts how many times it started (retries and loop rounds included)
 */
public record NodeVisit(
    String node,
    Optional<Instant> started,
    Optional<Instant> finished,
    long serviceMs,
    long modelMicros,
    long tokensIn,
    long tokensOut,
    long attempts) {

  /** {@link #modelMicros} in milliseconds, rounded. */
  public long modelMs() {
    return Math.round(modelMicros / 1000.0);
  }
}
