package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.graph.JavaNode;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

/**
 * A {@code java} node: the user's {@link Agent}, instantiated once per process, called from a
 * virtual thread. Its exceptions are fenced: retried with backoff, then reported to the runtime.
 */
final class JavaExecutor implements NodeExecutor {

  private final JavaNode node;
  private final Agent agent;
  private final Retry retry;

  JavaExecutor(JavaNode node, int attempts) {
    this.node = node;
    this.agent = instantiate(node);
    this.retry = Retry.of("java-" + node.name(), RetryConfig.custom()
        .maxAttempts(attempts)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(200, 2.0, 0.5))
        .retryExceptions(Exception.class)
        .build());
  }

  private static Agent instantiate(JavaNode node) {
    try {
      Class<?> type = Class.forName(node.className(), true, Thread.currentThread().getContextClassLoader());
      if (!Agent.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException("node '" + node.name() + "': class " + node.className()
            + " does not implement " + Agent.class.getName());
      }
      return (Agent) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("node '" + node.name() + "': cannot instantiate " + node.className()
          + " (public class with a public no-argument constructor on the classpath?): " + e, e);
    }
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    AgentOutput output = retry.executeCallable(() -> agent.process(new AgentInput(call.payload(), call.contentType(), call.state()), call));
    return new NodeOutput(output.payload(), output.contentType(), LlmExecutor.parseDecision(output.payload(), output.contentType()),
        output.stateUpdates(), 0, 0, 0);
  }

  @Override
  public String toString() {
    return "java node " + node.name() + " (" + node.className() + ")";
  }
}
