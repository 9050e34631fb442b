package io.agentmesh.core.graph;

import java.time.Instant;
import java.util.Optional;

/** What an {@link Agent} may know about the run and step it is serving. */
public interface AgentContext {

  /** Id of the run. */
  String runId();

  /** Name of the graph. */
  String graph();

  /** Name of the node being run. */
  String node();

  /** Attempt of this input at this node, from 1. */
  int attempt();

  /** The run's deadline, if it has one. */
  Optional<Instant> deadline();

  /** Whether the run was cancelled or its deadline passed; long-running agents should check and stop. */
  boolean cancelled();
}
