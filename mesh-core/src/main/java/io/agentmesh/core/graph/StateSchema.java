package io.agentmesh.core.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The run-state keys a graph declares ({@code state:} in graph.yaml) and the reducer of each;
 * an undeclared key is replaced by its update (last write wins).
 *
 * <p>{@link #merged} is what the runtime applies inside its compare-and-set loop: a pure function
 * of the stored state and one node's updates, so a retry after a conflict re-applies the updates
 * to the newer state and two parallel branches writing one key both count.
 */
public final class StateSchema {

  /** No declared keys: every update replaces. */
  public static final StateSchema NONE = new StateSchema(Map.of());

  private final Map<String, StateReducer> reducers;

  private StateSchema(Map<String, StateReducer> reducers) {
    this.reducers = Collections.unmodifiableMap(new LinkedHashMap<>(reducers));
  }

  /** A schema of the given keys and reducers, in the map's order. */
  public static StateSchema of(Map<String, StateReducer> reducers) {
    Objects.requireNonNull(reducers, "reducers");
    reducers.forEach((key, reducer) -> {
      Objects.requireNonNull(key, "state key");
      Objects.requireNonNull(reducer, "reducer of state key " + key);
    });
    return reducers.isEmpty() ? NONE : new StateSchema(reducers);
  }

  /** The declared keys and their reducers, in declaration order. */
  public Map<String, StateReducer> reducers() {
    return reducers;
  }

  /** The reducer of {@code key}: the declared one, or {@link StateReducer#REPLACE}. */
  public StateReducer reducer(String key) {
    return reducers.getOrDefault(key, StateReducer.REPLACE);
  }

  /**
   * A new state: {@code current} with each of {@code updates} combined by its key's reducer.
   * Neither argument is changed.
   *
   * @param node the node whose output carries the updates, named in errors
   * @throws StateMergeException when a reducer meets a value of the wrong type
   */
  public Map<String, Object> merged(Map<String, Object> current, Map<String, ?> updates, String node) {
    Map<String, Object> next = new LinkedHashMap<>(current);
    updates.forEach((key, update) -> {
      StateReducer reducer = reducer(key);
      try {
        next.put(key, reducer.apply(next.get(key), update));
      } catch (IllegalArgumentException e) {
        throw new StateMergeException(node, key, reducer,
            "node '" + node + "': state key '" + key + "' cannot take its update: " + e.getMessage(), e);
      }
    });
    return next;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateSchema other && reducers.equals(other.reducers);
  }

  @Override
  public int hashCode() {
    return reducers.hashCode();
  }

  @Override
  public String toString() {
    return "StateSchema" + reducers;
  }
}
