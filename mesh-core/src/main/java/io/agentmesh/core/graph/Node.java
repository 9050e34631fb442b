package io.agentmesh.core.graph;

/** One step of a graph. Names are unique within a graph and legal in Kafka topic names. */
public sealed interface Node permits LlmNode, ToolNode, JavaNode, RouterNode, JoinNode, SubGraphNode {

  /** The node's name: unique in its graph, letters, digits, '_' and '-'. */
  String name();

  /** What kind of node this is. */
  NodeType type();

  /** The kinds of node; the YAML {@code type} value is the lower-case name. */
  enum NodeType {
    LLM, TOOL, JAVA, ROUTER, JOIN, GRAPH;

    /** The value written in graph.yaml. */
    public String yamlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
