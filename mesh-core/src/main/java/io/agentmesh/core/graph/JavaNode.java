package io.agentmesh.core.graph;

import java.util.Objects;

/**
 * A node that runs user Java code: a class implementing {@link Agent} with a public no-argument
 * constructor. The class is loaded by the runtime, not at graph load, so a graph can be planned
 * without the agent's jar on the class path.
 *
 * @param name node name
 * @param className fully qualified binary name of the {@link Agent} implementation
 */
public record JavaNode(String name, String className) implements Node {

  public JavaNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(className, "className");
  }

  @Override
  public NodeType type() {
    return NodeType.JAVA;
  }
}
