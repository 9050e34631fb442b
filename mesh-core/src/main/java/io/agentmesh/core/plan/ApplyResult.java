package io.agentmesh.core.plan;

import java.util.List;
import java.util.Objects;

/**
 * What {@link PlanApplier#apply} did to each topic of a plan.
 *
 * @param outcomes one per topic, in plan order
 */
public record ApplyResult(List<TopicOutcome> outcomes) {

  public ApplyResult {
    outcomes = List.copyOf(outcomes);
  }

  /** Outcomes that are conflicts: settings the applier will not change and the user must resolve. */
  public List<TopicOutcome> conflicts() {
    return outcomes.stream().filter(o -> o.action() == Action.CONFLICT).toList();
  }

  /** Whether any topic is in conflict with the plan. */
  public boolean hasConflicts() {
    return !conflicts().isEmpty();
  }

  /** The outcome for {@code topic}; throws IllegalArgumentException when the plan had no such topic. */
  public TopicOutcome outcome(String topic) {
    return outcomes.stream().filter(o -> o.topic().equals(topic)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no outcome for topic '" + topic + "'"));
  }

  /** What happened to one topic. */
  public enum Action {
    /** The topic did not exist and was created. */
    CREATED,
    /** The topic had fewer partitions than planned and was grown. */
    GREW,
    /** The topic already matched the plan. */
    UNCHANGED,
    /** The topic exists with settings the applier cannot or will not change; see the detail. */
    CONFLICT
  }

  /**
   * One topic's outcome.
   *
   * @param topic topic name
   * @param action what happened
   * @param partitionsBefore partitions before (0 when the topic did not exist)
   * @param partitionsAfter partitions after
   * @param detail why, for a conflict; empty otherwise
   */
  public record TopicOutcome(String topic, Action action, int partitionsBefore, int partitionsAfter, String detail) {
    public TopicOutcome {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
