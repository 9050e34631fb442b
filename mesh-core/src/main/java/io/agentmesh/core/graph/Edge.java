package io.agentmesh.core.graph;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A directed connection from one node to one or more targets (several targets = fan-out).
 *
 * <p>Firing rule, for each output of {@code from}: an edge without a condition always fires; an edge
 * with a {@code when} condition fires when it evaluates to true; a {@code default} edge fires only
 * when no conditional edge of the same node fired. See {@link Graph#route}.
 *
 * @param from source node name, or {@link #START} for the graph's entry
 * @param to target node names, {@link #END} to finish the run
 * @param when CEL condition over {@code output}, {@code state} and {@code run}; absent for none
 * @param isDefault whether this is the node's default edge
 * @param maxIterations bound on how often a run may cross this edge (bounds a loop); empty for none
 * @param map dynamic fan-out: a path {@code output.a.b} to a JSON list in the source's output; the
 *     edge then carries one hop per item (its single target runs once per item); empty for none
 */
public record Edge(String from, List<String> to, Optional<String> when, boolean isDefault, OptionalInt maxIterations,
                   Optional<String> map) {

  /** Pseudo-node a graph is entered from. */
  public static final String START = "START";
  /** Pseudo-node that finishes a run. */
  public static final String END = "END";

  public Edge {
    Objects.requireNonNull(from, "from");
    to = List.copyOf(to);
    Objects.requireNonNull(when, "when");
    Objects.requireNonNull(maxIterations, "maxIterations");
    Objects.requireNonNull(map, "map");
  }

  /** An edge without dynamic fan-out. */
  public Edge(String from, List<String> to, Optional<String> when, boolean isDefault, OptionalInt maxIterations) {
    this(from, to, when, isDefault, maxIterations, Optional.empty());
  }

  /** An unconditional edge. */
  public static Edge of(String from, String... to) {
    return new Edge(from, List.of(to), Optional.empty(), false, OptionalInt.empty());
  }

  /** Copy with a CEL condition. */
  public Edge when(String expression) {
    return new Edge(from, to, Optional.of(expression), isDefault, maxIterations, map);
  }

  /** Copy marked as the default edge of its node. */
  public Edge asDefault() {
    return new Edge(from, to, when, true, maxIterations, map);
  }

  /** Copy bounded to {@code n} crossings per run. */
  public Edge maxIterations(int n) {
    return new Edge(from, to, when, isDefault, OptionalInt.of(n), map);
  }

  /** Copy that fans out one hop per item of the list at {@code path} (e.g. {@code output.items}). */
  public Edge map(String path) {
    return new Edge(from, to, when, isDefault, maxIterations, Optional.of(path));
  }

  /** The fields of {@link #map} after {@code output} (empty list: the output itself is the list). */
  public List<String> mapFields() {
    return map.map(path -> path.equals("output") ? List.<String>of()
        : List.of(path.substring("output.".length()).split("\\."))).orElse(List.of());
  }

  /** Id of the hop from {@code from} to {@code target}, as carried in {@code Hop.edgeId}. */
  public static String id(String from, String target) {
    return from + "." + target;
  }
}
