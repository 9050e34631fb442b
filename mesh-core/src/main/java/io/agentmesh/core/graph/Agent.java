package io.agentmesh.core.graph;

/**
 * User code run by a {@code java} node. Implementations need a public no-argument constructor and
 * must be safe to call from many threads at once; blocking is fine (the runtime calls
 * {@link #process} on virtual threads). An exception fails this attempt: the runtime retries it
 * and dead-letters the input after the last attempt.
 */
@FunctionalInterface
public interface Agent {

  /** Processes one input of one run and returns the node's output. */
  AgentOutput process(AgentInput input, AgentContext ctx) throws Exception;
}
