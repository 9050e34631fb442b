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
 */
public record Edge(String from, List<String> to, Optional<String> when, boolean isDefault, OptionalInt maxIterations) {

  /** Pseudo-node a graph is entered from. */
  public static final String START = "START";
  /** Pseudo-node that finishes a run. */
  public static final String END = "END";

  public Edge {
    Objects.requireNonNull(from, "from");
    to = List.copyOf(to);
    Objects.requireNonNull(when, "when");
    Objects.requireNonNull(maxIterations, "maxIterations");
  }

  /** An unconditional edge. */
  public static Edge of(String from, String... to) {
    return new Edge(from, List.of(to), Optional.empty(), false, OptionalInt.empty());
  }

  /** Copy with a CEL condition. */
  public Edge when(String expression) {
    return new Edge(from, to, Optional.of(expression), isDefault, maxIterations);
  }

  /** Copy marked as the default edge of its node. */
  public Edge asDefault() {
    return new Edge(from, to, when, true, maxIterations);
  }

  /** Copy bounded to {@code n} crossings per run. */
  public Edge maxIterations(int n) {
    return new Edge(from, to, when, isDefault, OptionalInt.of(n));
  }

  /** Id of the hop from {@code from} to {@code target}, as carried in {@code Hop.edgeId}. */
  public static String id(String from, String target) {
    return from + "." + target;
  }
}
