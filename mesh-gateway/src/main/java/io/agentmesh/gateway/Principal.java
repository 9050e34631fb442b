package io.agentmesh.gateway;

import java.util.Objects;
import java.util.Set;

/**
 * Who made a request, and the graphs it may use ({@code *} for all).
 *
 * @param name the API key's name or the JWT subject; rate limits are per name
 * @param graphs the graphs this caller may run and read
 */
record Principal(String name, Set<String> graphs) {

  static final String ALL = "*";

  Principal {
    Objects.requireNonNull(name, "name");
    graphs = Set.copyOf(graphs);
  }

  static Principal anonymous() {
    return new Principal("anonymous", Set.of(ALL));
  }

  boolean mayUse(String graph) {
    return graphs.contains(ALL) || graphs.contains(graph);
  }
}
