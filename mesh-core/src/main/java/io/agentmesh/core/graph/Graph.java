package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated, immutable graph: nodes, edges with compiled conditions, joins with compiled CEL
 * reducers, models, tools and guards.
 * Made only by {@link GraphLoader} (from graph.yaml) or {@link GraphBuilder} (Java); both run the
 * same validation, so a {@code Graph} in hand is always a usable one.
 */
public final class Graph {

  private final String name;
  private final String version;
  private final Optional<JsonNode> inputSchema;
  private final Guards guards;
  private final StateSchema state;
  private final Map<String, Model> models;
  private final Map<String, HttpTool> tools;
  private final Map<String, McpServer> mcpServers;
  private final Map<String, Node> nodes;
  private final List<Edge> edges;
  private final Map<Edge, Condition> conditions;
  private final Map<String, CelReducer> reducers;
  private final Optional<Path> source;

  Graph(GraphDraft draft, StateSchema state, Map<Edge, Condition> conditions, Map<String, CelReducer> reducers,
        Optional<Path> source) {
    this.name = draft.name;
    this.version = draft.version;
    this.inputSchema = draft.inputSchema;
    this.guards = draft.guards;
    this.state = state;
    this.models = unmodifiable(draft.models, Model::name);
    this.tools = unmodifiable(draft.tools, HttpTool::name);
    this.mcpServers = unmodifiable(draft.mcpServers, McpServer::name);
    this.nodes = unmodifiable(draft.nodes, Node::name);
    this.edges = List.copyOf(draft.edges);
    this.conditions = Map.copyOf(conditions);
    this.reducers = Map.copyOf(reducers);
    this.source = source;
  }

  private static <T> Map<String, T> unmodifiable(List<T> items, java.util.function.Function<T, String> key) {
    Map<String, T> out = new LinkedHashMap<>();
    items.forEach(item -> out.put(key.apply(item), item));
    return Collections.unmodifiableMap(out);
  }

  /** A builder for a graph called {@code name}. */
  public static GraphBuilder builder(String name) {
    return new GraphBuilder(name);
  }

  /** The graph's name; part of every topic name. */
  public String name() {
    return name;
  }

  /** The graph's version, empty string when none was declared. */
  public String version() {
    return version;
  }

  /** JSON Schema the run input must satisfy, when declared. */
  public Optional<JsonNode> inputSchema() {
    return inputSchema;
  }

  /** Per-run limits. */
  public Guards guards() {
    return guards;
  }

  /** The declared run-state keys and how their updates combine. */
  public StateSchema state() {
    return state;
  }

  /** Models by name, in declaration order. */
  public Map<String, Model> models() {
    return models;
  }

  /** Tools by name, in declaration order. */
  public Map<String, HttpTool> tools() {
    return tools;
  }

  /** MCP servers by name, in declaration order. */
  public Map<String, McpServer> mcpServers() {
    return mcpServers;
  }

  /** The MCP server exposing tool {@code tool}, if one does. */
  public Optional<McpServer> mcpServerOf(String tool) {
    return mcpServers.values().stream().filter(s -> s.tools().contains(tool)).findFirst();
  }

  /** Nodes by name, in declaration order. */
  public Map<String, Node> nodes() {
    return nodes;
  }

  /** All edges, in declaration order. */
  public List<Edge> edges() {
    return edges;
  }

  /** The file the graph was loaded from, empty for a built graph. */
  public Optional<Path> source() {
    return source;
  }
  /**
   * Every file the graph reads besides its own (prompt templates, sub-graph files and theirs),
   * relative to this graph's file, in a stable order: what must travel with graph.yaml.
   */
  public List<Path> files() {
    java.util.Set<Path> out = new java.util.LinkedHashSet<>();
    for (Node node : nodes.values()) {
      switch (node) {
        case LlmNode llm -> {
          llm.system().flatMap(Prompt::file).ifPresent(out::add);
          llm.prompt().file().ifPresent(out::add);
        }
        case RouterNode router -> router.classifier().flatMap(RouterNode.Classifier::prompt).flatMap(Prompt::file).ifPresent(out::add);
        case SubGraphNode sub -> {
          out.add(sub.file());
          Path dir = sub.file().getParent();
          sub.graph().files().forEach(f -> out.add(dir == null ? f : dir.resolve(f).normalize()));
        }
        default -> { }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Every graph run below this one by {@code graph} nodes (children, their children, ...), by
   * name, depth first, each once however many nodes run it.
   */
  public Map<String, Graph> subGraphs() {
    Map<String, Graph> out = new java.util.LinkedHashMap<>();
    for (Node node : nodes.values()) {
      if (node instanceof SubGraphNode sub && out.putIfAbsent(sub.graph().name(), sub.graph()) == null) {
        sub.graph().subGraphs().forEach(out::putIfAbsent);
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** The node called {@code name}; throws IllegalArgumentException when there is none. */
  public Node node(String name) {
    Node node = nodes.get(name);
    if (node == null) {
      throw new IllegalArgumentException("graph '" + this.name + "' has no node '" + name + "'");
    }
    return node;
  }

  /** The model called {@code name}; throws IllegalArgumentException when there is none. */
  public Model model(String name) {
    Model model = models.get(name);
    if (model == null) {
      throw new IllegalArgumentException("graph '" + this.name + "' has no model '" + name + "'");
    }
    return model;
  }

  /** Nodes entered from START, i.e. the consumers of the ingress topic. */
  public List<String> entryNodes() {
    return outgoing(Edge.START).stream().flatMap(e -> e.to().stream()).distinct().toList();
  }

  /** Edges leaving {@code node} (or {@link Edge#START}), in declaration order. */
  public List<Edge> outgoing(String node) {
    return edges.stream().filter(e -> e.from().equals(node)).toList();
  }

  /** Edges with {@code node} among their targets, in declaration order. */
  public List<Edge> incoming(String node) {
    return edges.stream().filter(e -> e.to().contains(node)).toList();
  }

  /** The compiled condition of {@code edge}, empty when it has none. */
  public Optional<Condition> condition(Edge edge) {
    return Optional.ofNullable(conditions.get(edge));
  }

  /** The compiled CEL reducer of join {@code join}, empty when it has none ({@code reducer: {cel: ...}}). */
  public Optional<CelReducer> celReducer(String join) {
    return Optional.ofNullable(reducers.get(join));
  }

  /**
   * The targets {@code node}'s output goes to, in edge order, possibly including {@link Edge#END}:
   * every unconditional edge, every conditional edge whose condition is true, and the default edge
   * when no conditional edge fired. Empty means no route (the run fails with NO_ROUTE).
   *
   * @throws Condition.ConditionException when a condition cannot be evaluated for this output
   */
  public List<String> route(String node, Object output, Map<String, ?> state, RunInfo run) {
    return route(node, output, state, run, edge -> true);
  }

  /**
   * {@link #route(String, Object, Map, RunInfo)} with a bound on loops: an edge with
   * {@code maxIterations} that would fire is offered to {@code mayCross} (which counts the crossing);
   * when it answers false the edge does not fire, as if its condition were false, so the node's
   * default edge fires when no other conditional edge did.
   */
  public List<String> route(String node, Object output, Map<String, ?> state, RunInfo run,
                            java.util.function.Predicate<Edge> mayCross) {
    List<String> targets = new ArrayList<>();
    boolean conditionalFired = false;
    Edge fallback = null;
    for (Edge edge : outgoing(node)) {
      Condition condition = conditions.get(edge);
      if (edge.isDefault()) {
        fallback = edge;
      } else if (condition == null) {
        if (edge.maxIterations().isEmpty() || mayCross.test(edge)) {
          targets.addAll(edge.to());
        }
      } else if (condition.evaluate(output, state, run) && (edge.maxIterations().isEmpty() || mayCross.test(edge))) {
        conditionalFired = true;
        targets.addAll(edge.to());
      }
    }
    if (!conditionalFired && fallback != null && (fallback.maxIterations().isEmpty() || mayCross.test(fallback))) {
      targets.addAll(fallback.to());
    }
    return targets.stream().distinct().toList();
  }

  /** The edge from {@code from} whose targets include {@code to}; empty when there is none. */
  public Optional<Edge> edge(String from, String to) {
    return edges.stream().filter(e -> e.from().equals(from) && e.to().contains(to)).findFirst();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Graph g && name.equals(g.name) && version.equals(g.version)
        && inputSchema.equals(g.inputSchema) && guards.equals(g.guards) && state.equals(g.state) && models.equals(g.models)
        && tools.equals(g.tools) && nodes.equals(g.nodes) && edges.equals(g.edges);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, inputSchema, guards, state, models, tools, nodes, edges);
  }

  @Override
  public String toString() {
    return "Graph[" + name + (version.isEmpty() ? "" : " v" + version) + ", nodes=" + nodes.keySet()
        + ", edges=" + edges.size() + "]";
  }
}
