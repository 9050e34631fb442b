package io.agentmesh.agents.runtime;

/** Runs one node for one input; may block (it runs on a virtual thread). */
interface NodeExecutor {

  /** The node's output, or an exception: retriable ones were already retried by the executor. */
  NodeOutput execute(NodeCall call) throws Exception;
}
