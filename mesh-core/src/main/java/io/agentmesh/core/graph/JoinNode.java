package io.agentmesh.core.graph;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A node that collects the branch outputs of a fan-out for one run and continues once its policy
 * is met. Runs as a Kafka Streams application (io.agentmesh.agents.join); see docs/patterns.md.
 *
 * @param name node name
 * @param expectedBranches how many branches to wait for; empty to use the count carried by the
 *     fan-out (dynamic fan-out) or, failing that, the number of incoming edges
 * @param policy when to continue
 * @param quorum branches needed under {@link Policy#QUORUM}; 0 otherwise
 * @param timeout how long to wait before continuing with what arrived (required under
 *     {@link Policy#TIMEOUT}, optional otherwise: then the join fails on timeout per {@code onBranchFailure})
 * @param merge how branch outputs are combined
 * @param reducer the reducer under {@link Merge#REDUCER}: a Java class or a CEL expression
 * @param onBranchFailure what a failed branch does to the join
 * @param vote how ballots are counted under {@link Merge#VOTE}; empty otherwise
 */
public record JoinNode(
    String name,
    OptionalInt expectedBranches,
    Policy policy,
    int quorum,
    Optional<Duration> timeout,
    Merge merge,
    Optional<Reducer> reducer,
    BranchFailure onBranchFailure,
    Optional<Vote> vote) implements Node {

  public JoinNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(expectedBranches, "expectedBranches");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(merge, "merge");
    Objects.requireNonNull(reducer, "reducer");
    Objects.requireNonNull(onBranchFailure, "onBranchFailure");
    Objects.requireNonNull(vote, "vote");
  }

  /** A join without a vote. */
  public JoinNode(String name, OptionalInt expectedBranches, Policy policy, int quorum, Optional<Duration> timeout,
                  Merge merge, Optional<Reducer> reducer, BranchFailure onBranchFailure) {
    this(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure, Optional.empty());
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
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure, vote);
  }

  /** Copy with another merge and reducer. */
  public JoinNode withMerge(Merge merge, Optional<Reducer> reducer) {
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure, vote);
  }

  /** Copy that merges with {@code reducer} ({@link Merge#REDUCER}). */
  public JoinNode withReducer(Reducer reducer) {
    return withMerge(Merge.REDUCER, Optional.of(reducer));
  }

  /** Copy that merges by vote. */
  public JoinNode withVote(Vote vote) {
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, Merge.VOTE, Optional.empty(), onBranchFailure,
        Optional.of(vote));
  }

  /** Copy with another branch failure policy. */
  public JoinNode withOnBranchFailure(BranchFailure onBranchFailure) {
    return new JoinNode(name, expectedBranches, policy, quorum, timeout, merge, reducer, onBranchFailure, vote);
  }

  /**
   * A vote among the branches: each branch's JSON output casts the value of {@code field} as its
   * ballot, weighing 1, or the number in {@code weight} (confidence-weighted). The value with the
   * highest total wins; a tie goes to the tied value cast by {@code tieBreaker} (a branch id) when
   * that branch cast one, else to the tied value cast by the lowest branch index.
   *
   * @param field output field holding the ballot
   * @param weight output field holding the ballot's weight; empty for one vote per branch
   * @param tieBreaker branch id whose ballot decides a tie; empty for the lowest branch index
   */
  public record Vote(String field, Optional<String> weight, Optional<String> tieBreaker) {
    public Vote {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(weight, "weight");
      Objects.requireNonNull(tieBreaker, "tieBreaker");
    }
  }

  /**
   * Where the reducer of {@code merge: reducer} comes from: a Java class implementing
   * {@link JoinReducer} ({@code reducer: com.example.Reduce} or {@code reducer: {class: ...}}), or
   * a CEL expression over the branches ({@code reducer: {cel: ...}}, see {@link CelReducer}),
   * compiled when the graph is loaded or built.
   */
  public sealed interface Reducer permits Reducer.JavaClass, Reducer.Cel {

    /** A Java reducer by class name. */
    static Reducer javaClass(String className) {
      return new JavaClass(className);
    }

    /** A CEL reducer. */
    static Reducer cel(String expression) {
      return new Cel(expression);
    }

    /** @param className fully qualified name of a {@link JoinReducer} with a public no-argument constructor */
    record JavaClass(String className) implements Reducer {
      public JavaClass {
        Objects.requireNonNull(className, "className");
      }
    }

    /** @param expression CEL source over {@code branches}, {@code outputs} and {@code state} */
    record Cel(String expression) implements Reducer {
      public Cel {
        Objects.requireNonNull(expression, "expression");
      }
    }
  }

  /** When a join continues. */
  public enum Policy { ALL, QUORUM, TIMEOUT }

  /** How branch outputs are combined: a JSON list, an object keyed by branch id, a reducer (Java or CEL), or a vote. */
  public enum Merge { LIST, OBJECT, REDUCER, VOTE }

  /** What a failed branch does: fail the run, continue without it, or retry it. */
  public enum BranchFailure { FAIL, CONTINUE, RETRY }
}
