package io.agentmesh.core.graph;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A node that collects the branch outputs of a fan-out for one run and continues once its policy
 * is met. The runtime is issue #4's; this is the model.
 *
 * @param name node name
 * @param expectedBranches how many branches to wait for; empty to use the count carried by the
 *     fan-out (dynamic fan-out) or, failing that, the number of incoming edges
 * @param policy when to continue
 * @param quorum branches needed under {@link Policy#QUORUM}; 0 otherwise
 * @param timeout how long to wait before continuing with what arrived (required under
 *     {@link Policy#TIMEOUT}, optional otherwise: then the join fails on timeout per {@code onBranchFailure})
 * @param merge how branch outputs are combined
 * @param reducer class name of the reducer under {@link Merge#REDUCER}
 * @param onBranchFailure what a failed branch does to the join
 */
public record JoinNode(
    String name,
    OptionalInt expectedBranches,
    Policy policy,
    int quorum,
    Optional<Duration> timeout,
    Merge merge,
    Optional<String> reducer,
    BranchFailure onBranchFailure) implements Node {

  public JoinNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(expectedBranches, "expectedBranches");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(merge, "merge");
    Objects.requireNonNull(reducer, "reducer");
    Objects.requireNonNull(onBranchFailure, "onBranchFailure");
  }

  /** A join that waits for all branches, merges them into a list and fails the run on a failed branch. */
  public static JoinNode all(String name) {
    return new JoinNode(name, OptionalInt.empty(), Policy.ALL, 0, Optional.empty(), Merge.LIST,
        Optional.empty(), BranchFailure.FAIL);
  }

  @Override
  public NodeType type() {
    return NodeType.JOIN;
  }

  /** Copy with another policy, quorum and timeout. */
  public JoinNode withPolicy(Policy policy, int quorum, Optional<Duration> timeout) {
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure);
  }

  /** Copy with another merge and reducer. */
  public JoinNode withMerge(Merge merge, Optional<String> reducer) {
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure);
  }

  /** When a join continues. */
  public enum Policy { ALL, QUORUM, TIMEOUT }

  /** How branch outputs are combined: a JSON list, an object keyed by branch id, or a user reducer. */
  public enum Merge { LIST, OBJECT, REDUCER }

  /** What a failed branch does: fail the run, continue without it, or retry it. */
  public enum BranchFailure { FAIL, CONTINUE, RETRY }
}
