package io.agentmesh.core.graph;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A whole graph used as one node of another ({@code type: graph, file: sub.yaml}). The child graph
 * keeps its own name and so its own topics; the parent's edge into this node starts a child run
 * on the child's ingress, and the child's result is this node's output.
 *
 * @param name node name in the parent
 * @param file the child graph's file as written (relative to the parent's directory)
 * @param graph the child graph, loaded and validated
 */
public record SubGraphNode(String name, Path file, Graph graph) implements Node {

  public SubGraphNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(graph, "graph");
  }

  @Override
  public NodeType type() {
    return NodeType.GRAPH;
  }
}
