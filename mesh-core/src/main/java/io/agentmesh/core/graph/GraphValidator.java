package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmesh.core.wire.TopicNames;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@link GraphDraft} and turns it into a {@link Graph}, collecting every problem.
 *
 * <p>Checks: legal and unique names; declared state keys (unique, not blank, with a reducer); references to models, tools and nodes; node settings; edges
 * (START/END use, duplicate from->to pairs, default edges, iteration bounds); CEL conditions
 * (compile, type-check, fields of {@code output} against the source node's declared output and of
 * {@code run}); CEL join reducers (compile, type-check); reachability from START and to END; and that every cycle is bounded, either by a
 * {@code maxIterations} on one of its edges or by a declared graph-level {@code maxHops}.
 */
final class GraphValidator {

  private static final Pattern JAVA_CLASS = Pattern.compile(
      "[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

  private final GraphDraft draft;
  private final Problems problems;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Model> models = new LinkedHashMap<>();
  private final Map<String, HttpTool> tools = new LinkedHashMap<>();
  private final Map<String, McpServer> mcpTools = new LinkedHashMap<>();
  private final Map<Edge, Condition> conditions = new HashMap<>();
  private final Map<String, CelReducer> reducers = new HashMap<>();
  private StateSchema state = StateSchema.NONE;

  private GraphValidator(GraphDraft draft, Problems problems) {
    this.draft = draft;
    this.problems = problems;
  }

  static Graph validate(GraphDraft draft, Problems problems, Optional<Path> source) {
    GraphValidator v = new GraphValidator(draft, problems);
    v.checkGraph();
    v.checkState();
    v.checkModels();
    v.checkTools();
    v.checkMcpServers();
    v.checkNodes();
    v.checkEdges();
    if (problems.isEmpty()) {
      v.checkStructure();
    }
    problems.throwIfAny();
    return new Graph(draft, v.state, v.conditions, v.reducers, source);
  }

  private void checkGraph() {
    TopicNames.checkName("graph", draft.name).ifPresent(msg -> problems.add("name", msg));
    draft.inputSchema.ifPresent(s -> {
      if (!s.isObject()) {
        problems.add("inputSchema", "inputSchema must be a JSON Schema object");
      }
    });
    draft.guards.maxHops().ifPresent(n -> positive("guards.maxHops", null, "maxHops", n));
    draft.guards.tokenBudget().ifPresent(n -> positive("guards.tokenBudget", null, "tokenBudget", n));
    draft.guards.deadline().ifPresent(d -> {
      if (d.isNegative() || d.isZero()) {
        problems.add("guards.deadline", "deadline must be positive, was " + d);
      }
    });
  }

  private void checkState() {
    Map<String, StateReducer> declared = new LinkedHashMap<>();
    for (Map.Entry<String, StateReducer> entry : draft.state) {
      String key = entry.getKey();
      String path = "state." + key;
      if (key == null || key.isBlank()) {
        problems.add("state", "a state key must not be blank");
      } else if (entry.getValue() == null) {
        problems.add(path, "state key '" + key + "' needs a merge (one of " + StateReducer.names() + ")");
      } else if (declared.putIfAbsent(key, entry.getValue()) != null) {
        problems.add(path, "duplicate state key '" + key + "'");
      }
    }
    state = StateSchema.of(declared);
  }

  private void checkModels() {
    for (Model m : draft.models) {
      String path = "models." + m.name();
      if (models.putIfAbsent(m.name(), m) != null) {
        problems.add(path, "duplicate model name '" + m.name() + "'");
      }
      if (m.baseUrl().getScheme() == null || !m.baseUrl().getScheme().matches("https?") || m.baseUrl().getHost() == null) {
        problems.add(path + ".baseUrl", "model '" + m.name() + "': baseUrl must be an absolute http(s) URL, was '" + m.baseUrl() + "'");
      }
      if (m.modelId().isBlank()) {
        problems.add(path + ".model", "model '" + m.name() + "': model id must not be empty");
      }
      if (m.timeout().isNegative() || m.timeout().isZero()) {
        problems.add(path + ".timeout", "model '" + m.name() + "': timeout must be positive, was " + m.timeout());
      }
      if (m.retries() < 0) {
        problems.add(path + ".retries", "model '" + m.name() + "': retries must be 0 or more, was " + m.retries());
      }
      m.temperature().ifPresent(t -> {
        if (t < 0 || t > 2) {
          problems.add(path + ".temperature", "model '" + m.name() + "': temperature must be between 0 and 2, was " + t);
        }
      });
      m.maxTokens().ifPresent(n -> positive(path + ".maxTokens", null, "model '" + m.name() + "': maxTokens", n));
    }
    for (Model m : draft.models) {
      m.fallback().ifPresent(f -> {
        if (f.equals(m.name())) {
          problems.add("models." + m.name() + ".fallback", "model '" + m.name() + "' cannot be its own fallback");
        } else if (!models.containsKey(f)) {
          problems.add("models." + m.name() + ".fallback", "model '" + m.name() + "': unknown fallback model '" + f + "'" + known(models.keySet()));
        }
      });
    }
    checkFallbackCycles();
  }

  /**
   * A fallback chain that comes back to where it started (a -> b -> a) would pass a failed call
   * round for ever. A model that is its own fallback is reported above; a longer cycle is
   * reported once, at its first model in the order the models were declared.
   */
  private void checkFallbackCycles() {
    Set<String> reported = new HashSet<>();
    for (Model start : draft.models) {
      List<String> chain = new ArrayList<>(List.of(start.name()));
      Model at = start;
      while (at.fallback().isPresent() && models.get(at.fallback().get()) != null) {
        String next = at.fallback().get();
        int seen = chain.indexOf(next);
        if (seen >= 0) {
          List<String> cycle = chain.subList(seen, chain.size());
          if (seen == 0 && cycle.size() > 1 && Collections.disjoint(reported, cycle)) {
            reported.addAll(cycle);
            problems.add("models." + start.name() + ".fallback", "model '" + start.name()
                + "': fallbacks form a cycle: " + String.join(" -> ", cycle) + " -> " + start.name());
          }
          break;
        }
        chain.add(next);
        at = models.get(next);
      }
    }
  }

  private void checkTools() {
    for (HttpTool t : draft.tools) {
      String path = "tools." + t.name();
      if (tools.putIfAbsent(t.name(), t) != null) {
        problems.add(path, "duplicate tool name '" + t.name() + "'");
      }
      if (!METHODS.contains(t.method())) {
        problems.add(path + ".method", "tool '" + t.name() + "': method must be one of " + METHODS + ", was '" + t.method() + "'");
      }
      if (t.url().getScheme() == null || !t.url().getScheme().matches("https?") || t.url().getHost() == null) {
        problems.add(path + ".url", "tool '" + t.name() + "': url must be an absolute http(s) URL, was '" + t.url() + "'");
      } else if (!t.allowedHosts().isEmpty() && !t.allowedHosts().contains(t.url().getHost())) {
        problems.add(path + ".allowedHosts", "tool '" + t.name() + "': url host '" + t.url().getHost()
            + "' is not in allowedHosts " + t.allowedHosts());
      }
      if (!t.inputSchema().isObject()) {
        problems.add(path + ".inputSchema", "tool '" + t.name() + "': inputSchema must be a JSON Schema object");
      }
      if (t.timeout().isNegative() || t.timeout().isZero()) {
        problems.add(path + ".timeout", "tool '" + t.name() + "': timeout must be positive");
      }
    }
  }

  private void checkMcpServers() {
    Map<String, McpServer> servers = new LinkedHashMap<>();
    for (McpServer server : draft.mcpServers) {
      String path = "mcpServers." + server.name();
      if (servers.putIfAbsent(server.name(), server) != null) {
        problems.add(path, "duplicate MCP server name '" + server.name() + "'");
      }
      switch (server.transport()) {
        case STDIO -> {
          if (server.command().isEmpty()) {
            problems.add(path + ".command", "MCP server '" + server.name() + "': a stdio server needs a 'command'");
          }
        }
        case HTTP -> {
          java.net.URI url = server.url().orElse(null);
          if (url == null || url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null) {
            problems.add(path + ".url", "MCP server '" + server.name() + "': an http server needs an absolute http(s) 'url', was '"
                + server.url().map(Object::toString).orElse("") + "'");
          } else if (!server.allowedHosts().isEmpty() && !server.allowedHosts().contains(url.getHost())) {
            problems.add(path + ".allowedHosts", "MCP server '" + server.name() + "': url host '" + url.getHost()
                + "' is not in allowedHosts " + server.allowedHosts());
          }
        }
      }
      if (server.tools().isEmpty()) {
        problems.add(path + ".tools", "MCP server '" + server.name() + "': list the tools the graph may call in 'tools'");
      }
      for (String tool : server.tools()) {
        if (tools.containsKey(tool) || mcpTools.putIfAbsent(tool, server) != null) {
          problems.add(path + ".tools", "tool name '" + tool + "' is declared twice (tools and MCP servers share one namespace)");
        }
      }
      if (server.timeout().isNegative() || server.timeout().isZero()) {
        problems.add(path + ".timeout", "MCP server '" + server.name() + "': timeout must be positive");
      }
    }
  }

  private void checkNodes() {
    for (Node node : draft.nodes) {
      String path = "nodes." + node.name();
      if (node.name().equals(Edge.START) || node.name().equals(Edge.END)) {
        problems.add(path, node.name(), "'" + node.name() + "' is reserved and cannot name a node");
        continue;
      }
      Optional<String> illegal = TopicNames.checkName("node", node.name());
      illegal.ifPresent(msg -> problems.add(path, node.name(), msg));
      if (nodes.putIfAbsent(node.name(), node) != null) {
        problems.add(path, node.name(), "duplicate node name '" + node.name() + "'");
      }
      switch (node) {
        case LlmNode llm -> checkLlm(llm, path);
        case ToolNode tool -> {
          if (!tools.containsKey(tool.tool())) {
            problems.add(path + ".tool", node.name(), "unknown tool '" + tool.tool() + "'" + known(tools.keySet()));
          }
        }
        case JavaNode java -> {
          if (!JAVA_CLASS.matcher(java.className()).matches()) {
            problems.add(path + ".class", node.name(), "'" + java.className() + "' is not a Java class name");
          }
        }
        case RouterNode router -> router.classifier().ifPresent(c -> checkClassifier(router, c, path));
        case JoinNode join -> checkJoin(join, path);
        case SubGraphNode sub -> {
          if (sub.graph().name().equals(draft.name)) {
            problems.add(path + ".file", node.name(), "a sub-graph must have another name than its parent ('" + draft.name + "')");
          }
        }
      }
    }
  }

  private void checkLlm(LlmNode llm, String path) {
    if (!models.containsKey(llm.model())) {
      problems.add(path + ".model", llm.name(), "unknown model '" + llm.model() + "'" + known(models.keySet()));
    }
    for (String tool : llm.tools()) {
      if (!tools.containsKey(tool) && !mcpTools.containsKey(tool)) {
        java.util.Set<String> all = new java.util.LinkedHashSet<>(tools.keySet());
        all.addAll(mcpTools.keySet());
        problems.add(path + ".tools", llm.name(), "unknown tool '" + tool + "'" + known(all));
      }
    }
    if (llm.maxToolRounds() < 1) {
      problems.add(path + ".maxToolRounds", llm.name(), "maxToolRounds must be at least 1, was " + llm.maxToolRounds());
    }
    llm.memory().ifPresent(m -> {
      if (m.maxMessages() < (m.summarise() ? 2 : 1)) {
        problems.add(path + ".memory.maxMessages", llm.name(), "memory.maxMessages must be at least "
            + (m.summarise() ? "2 with summarise" : "1") + ", was " + m.maxMessages());
      }
      if (m.maxTokens() < 1) {
        problems.add(path + ".memory.maxTokens", llm.name(), "memory.maxTokens must be at least 1, was " + m.maxTokens());
      }
    });
    llm.system().ifPresent(p -> checkPrompt(llm.name(), path + ".system", p));
    checkPrompt(llm.name(), path + ".prompt", llm.prompt());
    llm.output().schema().ifPresent(s -> {
      if (!s.isObject()) {
        problems.add(path + ".output", llm.name(), "output schema must be a JSON Schema object");
      }
    });
  }

  private void checkPrompt(String node, String path, Prompt prompt) {
    for (String placeholder : prompt.placeholders()) {
      if (!Templates.VALID.matcher(placeholder).matches()) {
        problems.add(path, node, "unknown placeholder '{{" + placeholder
            + "}}' (use {{input}}, {{input.field}}, {{state.key}} or {{run.id}})");
      }
    }
  }

  private void checkClassifier(RouterNode router, RouterNode.Classifier c, String path) {
    if (!models.containsKey(c.model())) {
      problems.add(path + ".classify.model", router.name(), "unknown model '" + c.model() + "'" + known(models.keySet()));
    }
    if (c.labels().isEmpty()) {
      problems.add(path + ".classify.labels", router.name(), "a classifier needs at least one label");
    }
    if (new HashSet<>(c.labels()).size() != c.labels().size()) {
      problems.add(path + ".classify.labels", router.name(), "labels must be distinct: " + c.labels());
    }
    if (!IDENTIFIER.matcher(c.field()).matches()) {
      problems.add(path + ".classify.field", router.name(), "field '" + c.field() + "' must be an identifier");
    }
    c.prompt().ifPresent(p -> checkPrompt(router.name(), path + ".classify.prompt", p));
  }

  private void checkJoin(JoinNode join, String path) {
    join.expectedBranches().ifPresent(n -> positive(path + ".branches", join.name(), "branches", n));
    if (join.policy() == JoinNode.Policy.QUORUM) {
      if (join.quorum() < 1) {
        problems.add(path + ".quorum", join.name(), "policy quorum needs 'quorum' of at least 1");
      } else if (join.expectedBranches().isPresent() && join.quorum() > join.expectedBranches().getAsInt()) {
        problems.add(path + ".quorum", join.name(), "quorum " + join.quorum() + " is more than the "
            + join.expectedBranches().getAsInt() + " expected branches");
      }
    } else if (join.quorum() != 0) {
      problems.add(path + ".quorum", join.name(), "'quorum' only applies to policy quorum");
    }
    if (join.policy() == JoinNode.Policy.TIMEOUT && join.timeout().isEmpty()) {
      problems.add(path + ".timeout", join.name(), "policy timeout needs a 'timeout' duration");
    }
    join.timeout().ifPresent(t -> {
      if (t.isNegative() || t.isZero()) {
        problems.add(path + ".timeout", join.name(), "timeout must be positive");
      }
    });
    if ((join.merge() == JoinNode.Merge.REDUCER) != join.reducer().isPresent()) {
      problems.add(path + ".reducer", join.name(), join.merge() == JoinNode.Merge.REDUCER
          ? "merge reducer needs a 'reducer': a class name or {cel: <expression>}" : "'reducer' only applies to merge reducer");
    }
    join.reducer().ifPresent(r -> checkReducer(join, r, path + ".reducer"));
    if ((join.merge() == JoinNode.Merge.VOTE) != join.vote().isPresent()) {
      problems.add(path + ".vote", join.name(), join.merge() == JoinNode.Merge.VOTE
          ? "merge vote needs 'vote: {field: ...}'" : "'vote' only applies to merge vote");
    }
    join.vote().ifPresent(v -> {
      if (!IDENTIFIER.matcher(v.field()).matches()) {
        problems.add(path + ".vote.field", join.name(), "vote field '" + v.field() + "' must be an identifier");
      }
      v.weight().filter(w -> !IDENTIFIER.matcher(w).matches()).ifPresent(w ->
          problems.add(path + ".vote.weight", join.name(), "vote weight '" + w + "' must be an identifier"));
    });
  }

  private void checkReducer(JoinNode join, JoinNode.Reducer reducer, String path) {
    switch (reducer) {
      case JoinNode.Reducer.JavaClass java -> {
        if (!JAVA_CLASS.matcher(java.className()).matches()) {
          problems.add(path + ".class", join.name(), "'" + java.className() + "' is not a Java class name");
        }
      }
      case JoinNode.Reducer.Cel cel -> {
        switch (CelReducer.tryCompile(cel.expression())) {
          case CelReducer.Failed failed -> problems.add(path + ".cel", join.name(), "reducer '" + cel.expression()
              + "' does not compile: " + failed.issues() + " (variables: "
              + String.join(", ", new java.util.TreeSet<>(CelReducer.VARIABLES)) + ")");
          case CelReducer.Ok ok -> reducers.put(join.name(), ok.reducer());
        }
      }
    }
  }

  private static final Pattern MAP_PATH = Pattern.compile("output(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  /** A map edge: one target, a path to a list, from a node whose output can hold one. */
  private void checkMap(Edge edge, String map, String path, String owner) {
    if (!MAP_PATH.matcher(map).matches()) {
      problems.add(path + ".map", owner, "map '" + map + "' must be a path into the output such as output.items "
          + "(output followed by .field parts)");
      return;
    }
    if (edge.from().equals(Edge.START)) {
      problems.add(path + ".map", owner, "an edge from START cannot map (map on an edge leaving a node)");
      return;
    }
    if (edge.to().size() != 1 || edge.to().contains(Edge.END)) {
      problems.add(path + ".map", owner, "map '" + map + "' needs exactly one target node (not END), has " + edge.to());
      return;
    }
    Node source = nodes.get(edge.from());
    if (source == null) {
      return;
    }
    if (source instanceof LlmNode llm && llm.output().format() == OutputSpec.Format.TEXT) {
      problems.add(path + ".map", owner, "map '" + map + "': node '" + source.name()
          + "' outputs text, but map needs a JSON list (declare output: {format: json, schema: ...})");
      return;
    }
    if (source instanceof RouterNode router && router.classifier().isPresent()) {
      problems.add(path + ".map", owner, "map '" + map + "': classifier router '" + source.name() + "' outputs a label, not a list");
      return;
    }
    List<String> fields = edge.mapFields();
    if (!fields.isEmpty()) {
      checkOutputFields(source, fields).ifPresent(msg -> problems.add(path + ".map", owner, "map '" + map + "': " + msg));
    }
    declaredType(source, fields).filter(t -> !t.equals("array")).ifPresent(t ->
        problems.add(path + ".map", owner, "map '" + map + "': node '" + source.name() + "' declares it as "
            + t + ", not array"));
  }

  /** The JSON Schema type {@code source} declares at {@code output.<fields>}, when it declares one. */
  private Optional<String> declaredType(Node source, List<String> fields) {
    JsonNode schema = source instanceof LlmNode llm ? llm.output().schema().orElse(null)
        : source instanceof ToolNode t && tools.containsKey(t.tool()) ? tools.get(t.tool()).outputSchema().orElse(null) : null;
    for (String field : fields) {
      if (schema == null) {
        return Optional.empty();
      }
      schema = schema.path("properties").get(field);
    }
    return schema == null || !schema.path("type").isTextual() ? Optional.empty() : Optional.of(schema.get("type").asText());
  }

  private void checkEdges() {
    Set<String> pairs = new HashSet<>();
    Map<String, Integer> defaults = new HashMap<>();
    boolean hasStart = false;
    for (int i = 0; i < draft.edges.size(); i++) {
      Edge edge = draft.edges.get(i);
      String path = "edges[" + i + "]";
      String from = edge.from();
      String owner = nodes.containsKey(from) ? from : null;
      if (from.equals(Edge.START)) {
        hasStart = true;
        if (edge.when().isPresent() || edge.isDefault()) {
          problems.add(path, "edges from START cannot have a condition or be a default");
        }
      } else if (from.equals(Edge.END)) {
        problems.add(path + ".from", "an edge cannot leave END");
      } else if (!nodes.containsKey(from)) {
        problems.add(path + ".from", "edge from unknown node '" + from + "'" + known(nodes.keySet()));
      }
      if (edge.to().isEmpty()) {
        problems.add(path + ".to", owner, "edge from '" + from + "' has no target");
      }
      for (String to : edge.to()) {
        if (to.equals(Edge.START)) {
          problems.add(path + ".to", owner, "an edge cannot lead to START");
        } else if (!to.equals(Edge.END) && !nodes.containsKey(to)) {
          problems.add(path + ".to", owner, "edge to unknown node '" + to + "'" + known(nodes.keySet()));
        }
        if (!pairs.add(from + "\u0000" + to)) {
          problems.add(path + ".to", owner, "more than one edge from '" + from + "' to '" + to
              + "' (they would share one topic); merge their conditions with ||");
        }
      }
      if (edge.isDefault()) {
        if (edge.when().isPresent()) {
          problems.add(path + ".default", owner, "a default edge cannot also have a 'when' condition");
        }
        if (defaults.merge(from, 1, Integer::sum) > 1) {
          problems.add(path + ".default", owner, "node '" + from + "' has more than one default edge");
        }
      }
      edge.maxIterations().ifPresent(n -> positive(path + ".maxIterations", owner, "maxIterations", n));
      final String edgePath = path;
      edge.when().ifPresent(expr -> compileCondition(edge, expr, edgePath, owner));
      edge.map().ifPresent(map -> checkMap(edge, map, edgePath, owner));
    }
    if (!hasStart) {
      problems.add("edges", "no edge from START: the graph has no entry (add e.g. {from: START, to: <first node>})");
    }
  }

  private void compileCondition(Edge edge, String expr, String path, String owner) {
    switch (CelConditions.compile(expr)) {
      case CelConditions.Failed failed ->
          problems.add(path + ".when", owner, "condition '" + expr + "' does not compile: " + failed.issues());
      case CelConditions.Ok ok -> {
        conditions.put(edge, ok.condition());
        for (List<String> fields : CelConditions.selections(ok.condition(), "run")) {
          if (!RunInfo.FIELDS.contains(fields.getFirst())) {
            problems.add(path + ".when", owner, "condition '" + expr + "': run has no field '" + fields.getFirst()
                + "' (known: " + String.join(", ", new java.util.TreeSet<>(RunInfo.FIELDS)) + ")");
          }
        }
        Node source = nodes.get(edge.from());
        if (source != null) {
          for (List<String> fields : CelConditions.selections(ok.condition(), "output")) {
            checkOutputFields(source, fields).ifPresent(msg ->
                problems.add(path + ".when", owner, "condition '" + expr + "': " + msg));
          }
        }
      }
    }
  }

  /** Why {@code output.<fields>} cannot exist for {@code source}'s declared output, or empty when it may. */
  private Optional<String> checkOutputFields(Node source, List<String> fields) {
    JsonNode schema;
    if (source instanceof LlmNode llm) {
      if (llm.output().format() == OutputSpec.Format.TEXT) {
        return Optional.of("node '" + source.name() + "' outputs text, so output has no field '" + fields.getFirst()
            + "' (declare output: {format: json, schema: ...})");
      }
      schema = llm.output().schema().orElse(null);
    } else if (source instanceof RouterNode router && router.classifier().isPresent()) {
      String field = router.classifier().get().field();
      return fields.getFirst().equals(field) && fields.size() == 1 ? Optional.empty()
          : Optional.of("classifier router '" + source.name() + "' outputs only field '" + field + "'");
    } else if (source instanceof ToolNode toolNode && tools.containsKey(toolNode.tool())) {
      schema = tools.get(toolNode.tool()).outputSchema().orElse(null);
    } else {
      return Optional.empty();
    }
    StringBuilder walked = new StringBuilder("output");
    for (String field : fields) {
      if (schema == null || !schema.path("properties").isObject()) {
        return Optional.empty();
      }
      JsonNode properties = schema.get("properties");
      if (!properties.has(field)) {
        List<String> knownFields = new ArrayList<>();
        properties.fieldNames().forEachRemaining(knownFields::add);
        return Optional.of("unknown field '" + field + "' of " + walked + ": node '" + source.name()
            + "' declares " + knownFields);
      }
      walked.append('.').append(field);
      schema = properties.get(field);
    }
    return Optional.empty();
  }

  private void checkStructure() {
    Map<String, Set<String>> forward = new HashMap<>();
    Map<String, Set<String>> backward = new HashMap<>();
    for (Edge e : draft.edges) {
      for (String to : e.to()) {
        forward.computeIfAbsent(e.from(), k -> new LinkedHashSet<>()).add(to);
        backward.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(e.from());
      }
    }
    Set<String> fromStart = reach(Edge.START, forward);
    Set<String> toEnd = reach(Edge.END, backward);
    for (String node : nodes.keySet()) {
      if (!fromStart.contains(node)) {
        problems.add("nodes." + node, node, "unreachable: no path from START leads to it");
      } else if (!toEnd.contains(node)) {
        problems.add("nodes." + node, node, "cannot reach END: no path from it leads to END");
      }
    }
    checkCycles(forward);
  }

  private static Set<String> reach(String from, Map<String, Set<String>> adjacency) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(from));
    while (!todo.isEmpty()) {
      String n = todo.pop();
      if (seen.add(n)) {
        todo.addAll(adjacency.getOrDefault(n, Set.of()));
      }
    }
    return seen;
  }

  /** Every strongly connected component with a cycle needs a bounded edge inside it or a declared maxHops. */
  private void checkCycles(Map<String, Set<String>> forward) {
    if (draft.guards.maxHops().isPresent()) {
      return;
    }
    for (Set<String> component : new Tarjan(forward).components()) {
      String only = component.iterator().next();
      boolean cyclic = component.size() > 1 || forward.getOrDefault(only, Set.of()).contains(only);
      if (!cyclic) {
        continue;
      }
      boolean bounded = draft.edges.stream().anyMatch(e -> e.maxIterations().isPresent()
          && component.contains(e.from()) && e.to().stream().anyMatch(component::contains));
      if (!bounded) {
        String first = draft.nodes.stream().map(Node::name).filter(component::contains).findFirst().orElse(only);
        problems.add("nodes." + first, first, "cycle " + component + " has no bound: set maxIterations on one of its edges"
            + " or guards.maxHops on the graph");
      }
    }
  }

  private void positive(String path, String node, String what, long n) {
    if (n < 1) {
      problems.add(path, node, what + " must be at least 1, was " + n);
    }
  }

  private static String known(Set<String> names) {
    return names.isEmpty() ? " (none declared)" : " (known: " + String.join(", ", names) + ")";
  }

  /** Tarjan's strongly connected components, iterative enough for graphs of a few hundred nodes. */
  private static final class Tarjan {
    private final Map<String, Set<String>> adjacency;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, Integer> low = new HashMap<>();
    private final Deque<String> stack = new ArrayDeque<>();
    private final Set<String> onStack = new HashSet<>();
    private final List<Set<String>> out = new ArrayList<>();
    private int counter;

    Tarjan(Map<String, Set<String>> adjacency) {
      this.adjacency = adjacency;
    }

    List<Set<String>> components() {
      Set<String> all = new LinkedHashSet<>(adjacency.keySet());
      adjacency.values().forEach(all::addAll);
      for (String n : all) {
        if (!index.containsKey(n)) {
          visit(n);
        }
      }
      return out;
    }

    private void visit(String n) {
      index.put(n, counter);
      low.put(n, counter++);
      stack.push(n);
      onStack.add(n);
      for (String m : adjacency.getOrDefault(n, Set.of())) {
        if (!index.containsKey(m)) {
          visit(m);
          low.put(n, Math.min(low.get(n), low.get(m)));
        } else if (onStack.contains(m)) {
          low.put(n, Math.min(low.get(n), index.get(m)));
        }
      }
      if (low.get(n).equals(index.get(n))) {
        Set<String> component = new LinkedHashSet<>();
        String m;
        do {
          m = stack.pop();
          onStack.remove(m);
          component.add(m);
        } while (!m.equals(n));
        out.add(component);
      }
    }
  }
}
