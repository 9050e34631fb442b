package io.agentmesh.core.graph;

import java.util.Map;
import java.util.Objects;

/**
 * What an edge condition may know about the run, seen in CEL as {@code run}.
 *
 * @param id the run id ({@code run.id})
 * @param hops hops the run has made so far ({@code run.hops})
 * @param attempt attempt of the current node ({@code run.attempt})
 */
public record RunInfo(String id, long hops, long attempt) {

  /** Field names visible in CEL under {@code run}. */
  public static final java.util.Set<String> FIELDS = java.util.Set.of("id", "hops", "attempt");

  public RunInfo {
    Objects.requireNonNull(id, "id");
  }

  Map<String, Object> asCel() {
    return Map.of("id", id, "hops", hops, "attempt", attempt);
  }
}
