package io.agentmesh.core.graph;

import java.util.Objects;

/**
 * A node that calls one declared tool with its input as the arguments and outputs the tool's result.
 *
 * @param name node name
 * @param tool name of a tool declared in the graph's {@code tools}
 */
public record ToolNode(String name, String tool) implements Node {

  public ToolNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tool, "tool");
  }

  @Override
  public NodeType type() {
    return NodeType.TOOL;
  }
}
