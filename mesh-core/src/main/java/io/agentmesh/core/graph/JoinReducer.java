package io.agentmesh.core.graph;

import java.util.List;

/**
 * User code that merges the branch outputs of a {@code join} with {@code merge: reducer} and
 * {@code reducer: <class name>} (or {@code {class: ...}}; {@code {cel: ...}} is a {@link CelReducer}).
 * Implementations need a public no-argument constructor, must be deterministic (a join that is
 * re-run after a crash must merge the same way) and safe to call from several threads.
 */
@FunctionalInterface
public interface JoinReducer {

  /** The merged output (any JSON-serialisable value, or a String for text) of the branches, in branch order. */
  Object reduce(List<Branch> branches) throws Exception;

  /**
   * One branch that arrived.
   *
   * @param id branch id (the branch's node, or {@code node#i} for a dynamic fan-out)
   * @param index branch index, from 0
   * @param output the branch output: parsed JSON, or a String for text
   */
  record Branch(String id, int index, Object output) {}
}
