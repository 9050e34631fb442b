package io.agentmesh.core.state;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A run as recorded in Redis.
 *
 * @param runId the run
 * @param status where it stands
 * @param graph the graph's name (empty when the run was completed before it was created)
 * @param graphVersion the graph's version (likewise)
 * @param createdAt when it was created
 * @param updatedAt when the record last changed
 * @param finishedAt when it reached a terminal status
 * @param nodes the nodes visited, sorted by name
 * @param hops hops counted against the run's hop limit
 * @param tokens tokens charged against the run's budget
 * @param tokensIn prompt tokens reported by finished nodes
 * @param tokensOut completion tokens reported by finished nodes
 * @param error why it failed
 * @param resultRef where the result is (a topic offset, a claim-check key...)
 * @param cancelRequested whether someone asked to cancel it
 * @param metadata the caller metadata of the task that started it (docs/wire-format.md), sorted by key
 */
public record RunRecord(
    String runId,
    RunStatus status,
    String graph,
    String graphVersion,
    Optional<Instant> createdAt,
    Optional<Instant> updatedAt,
    Optional<Instant> finishedAt,
    Map<String, NodeVisit> nodes,
    long hops,
    long tokens,
    long tokensIn,
    long tokensOut,
    Optional<RunError> error,
    Optional<String> resultRef,
    boolean cancelRequested,
    Map<String, String> metadata) {

  public RunRecord {
    nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
    metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
  }
}
