package io.agentmesh.deployer.topology;

import io.agentmesh.core.plan.ApplyResult;
import java.util.Objects;

/**
 * What {@link TopologyApplier#apply} did.
 *
 * @param changes the diff found before applying, now applied (topic conflicts excepted)
 * @param topics the outcome of each planned topic
 */
public record TopologyResult(TopologyDiff changes, ApplyResult topics) {
  public TopologyResult {
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(topics, "topics");
  }
}
