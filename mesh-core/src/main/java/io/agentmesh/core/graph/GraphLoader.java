package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;


/**
 * Loads graph.yaml and deploy.yaml (format in docs/graph-spec.md). Every problem in a file is
 * collected and thrown together as a {@link GraphValidationException} whose errors carry file,
 * line, column and node.
 */
public final class GraphLoader {

  private static final int MAX_SUB_GRAPH_DEPTH = 8;
  private static final ThreadLocal<Integer> DEPTH = ThreadLocal.withInitial(() -> 0);

  private GraphLoader() {}

  /** Loads and validates a graph file; prompt files are resolved relative to its directory. */
  public static Graph load(Path graphYaml) {
    String text = read(graphYaml);
    Path base = graphYaml.toAbsolutePath().getParent();
    return parse(text, graphYaml.toString(), base, Optional.of(graphYaml));
  }

  /** Parses and validates graph YAML; {@code file} names it in errors, {@code baseDir} resolves prompt files. */
  public static Graph parse(String yaml, String file, Path baseDir) {
    return parse(yaml, file, baseDir, Optional.empty());
  }

  /** Loads a deployment spec and checks it against {@code graph}. */
  public static DeploymentSpec loadSpec(Path deployYaml, Graph graph) {
    return parseSpec(read(deployYaml), deployYaml.toString(), graph);
  }

  /** Parses a deployment spec and checks it against {@code graph}; {@code file} names it in errors. */
  public static DeploymentSpec parseSpec(String yaml, String file, Graph graph) {
    YamlSource source = YamlSource.parse(file, yaml);
    source.problems.throwIfAny();
    if (!source.root.isObject()) {
      source.problems.addAt(1, 1, "a deployment spec must be a YAML mapping");
      source.problems.throwIfAny();
    }
    DeploymentSpec spec = SpecReader.read(new YamlObject(source.root, "", source.problems, null), source.problems);
    SpecReader.check(spec, graph, source.problems);
    source.problems.throwIfAny();
    return spec;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new GraphValidationException(List.of(ValidationError.of(file.toString(),
          "cannot read file: " + e.getClass().getSimpleName() + " " + e.getMessage())));
    }
  }

  private static Graph parse(String yaml, String file, Path baseDir, Optional<Path> sourcePath) {
    YamlSource source = YamlSource.parse(file, yaml);
    if (source.root == null) {
      source.problems.throwIfAny();
    }
    if (!source.root.isObject()) {
      source.problems.addAt(1, 1, "a graph must be a YAML mapping");
      source.problems.throwIfAny();
    }
    GraphDraft draft = new Reader(source.problems, baseDir).read(new YamlObject(source.root, "", source.problems, null));
    return GraphValidator.validate(draft, source.problems, sourcePath);
  }

  /** Maps the YAML tree to a {@link GraphDraft}, recording problems instead of throwing. */
  private static final class Reader {
    private final Problems problems;
    private final Path baseDir;

    Reader(Problems problems, Path baseDir) {
      this.problems = problems;
      this.baseDir = baseDir;
    }

    GraphDraft read(YamlObject root) {
      GraphDraft d = new GraphDraft();
      d.name = root.requiredText("name");
      d.version = root.text("version").orElse("");
      d.inputSchema = root.raw("inputSchema");
      root.object("guards", null).ifPresent(g -> {
        d.guards = new Guards(g.integer("maxHops"), g.longInteger("tokenBudget"), g.duration("deadline"));
        g.finish();
      });
      root.namedObjects("state", false).forEach((key, s) -> stateKey(key, s).ifPresent(d.state::add));
      root.namedObjects("models", false).forEach((name, m) -> d.models.add(model(name, m)));
      root.namedObjects("tools", false).forEach((name, t) -> d.tools.add(tool(name, t)));
      root.namedObjects("mcpServers", false).forEach((name, s) -> d.mcpServers.add(mcpServer(name, s)));
      root.namedObjects("nodes", true).forEach((name, n) -> node(name, n).ifPresent(d.nodes::add));
      root.objectList("edges").forEach(e -> d.edges.add(edge(e)));
      root.finish();
      return d;
    }

    /** {@code key: {merge: append}}; an unknown merge is reported at its position. */
    private static Optional<Map.Entry<String, StateReducer>> stateKey(String key, YamlObject s) {
      String merge = s.requiredText("merge");
      s.finish();
      if (merge.isEmpty()) {
        return Optional.empty();
      }
      Optional<StateReducer> reducer = StateReducer.of(merge);
      if (reducer.isEmpty()) {
        s.problem("merge", "state key '" + key + "': unknown merge '" + merge + "' (known: " + StateReducer.names() + ")");
      }
      return reducer.map(r -> Map.entry(key, r));
    }

    private Model model(String name, YamlObject m) {
      URI baseUrl = uri(m, "baseUrl", true);
      Model model = new Model(name, baseUrl, m.requiredText("model"), m.decimal("temperature"), m.integer("maxTokens"),
          m.duration("timeout").orElse(Model.DEFAULT_TIMEOUT), m.integer("retries").orElse(Model.DEFAULT_RETRIES),
          m.text("fallback"), m.text("apiKeyEnv"));
      m.finish();
      return model;
    }

    private HttpTool tool(String name, YamlObject t) {
      String type = t.text("type").orElse("http");
      if (!type.equals("http")) {
        t.problem("type", "tool '" + name + "': type must be http (MCP tools come with issue #4), was '" + type + "'");
      }
      HttpTool tool = new HttpTool(name, t.text("description").orElse(""),
          t.text("method").orElse("POST").toUpperCase(Locale.ROOT), uri(t, "url", true),
          t.raw("inputSchema").orElseGet(() -> {
            t.problem(null, "tool '" + name + "': missing required 'inputSchema'");
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
          }),
          t.raw("outputSchema"), t.duration("timeout").orElse(HttpTool.DEFAULT_TIMEOUT), t.textList("allowedHosts"));
      t.finish();
      return tool;
    }

    private McpServer mcpServer(String name, YamlObject s) {
      String transport = s.text("transport").orElse("stdio");
      McpServer.Transport kind = McpServer.Transport.STDIO;
      if (transport.equals("http")) {
        kind = McpServer.Transport.HTTP;
      } else if (!transport.equals("stdio")) {
        s.problem("transport", "MCP server '" + name + "': transport must be stdio or http, was '" + transport + "'");
      }
      Optional<URI> url = s.has("url") ? Optional.of(uri(s, "url", true)) : Optional.empty();
      McpServer server = new McpServer(name, kind, s.textList("command"), url, s.textList("tools"),
          s.duration("timeout").orElse(HttpTool.DEFAULT_TIMEOUT), s.textList("allowedHosts"));
      s.finish();
      return server;
    }

    private Optional<Node> node(String name, YamlObject n) {
      String type = n.requiredText("type");
      Node node = switch (type) {
        case "llm" -> llm(name, n);
        case "tool" -> new ToolNode(name, n.requiredText("tool"));
        case "java" -> new JavaNode(name, n.requiredText("class"));
        case "router" -> router(name, n);
        case "join" -> join(name, n);
        case "graph" -> subGraph(name, n);
        default -> {
          if (!type.isEmpty()) {
            n.problem("type", "unknown node type '" + type + "' (known: llm, tool, java, router, join, graph)");
          }
          yield null;
        }
      };
      if (node != null) {
        n.finish();
      }
      return Optional.ofNullable(node);
    }

    private LlmNode llm(String name, YamlObject n) {
      Optional<Prompt> system = prompt(n, "system", "systemFile");
      Prompt prompt = prompt(n, "prompt", "promptFile").orElse(Prompt.inline(LlmNode.DEFAULT_PROMPT));
      Optional<MemorySpec> memory = n.object("memory", name).map(m -> {
        MemorySpec spec = new MemorySpec(m.integer("maxMessages").orElse(MemorySpec.DEFAULT_MAX_MESSAGES),
            m.integer("maxTokens").orElse(Integer.MAX_VALUE), m.bool("summarise"), m.text("shared"));
        m.finish();
        return spec;
      });
      return new LlmNode(name, n.text("role"), system, prompt, n.requiredText("model"), n.textList("tools"), output(n),
          memory, n.integer("maxToolRounds").orElse(LlmNode.DEFAULT_MAX_TOOL_ROUNDS));
    }

    private OutputSpec output(YamlObject n) {
      Optional<JsonNode> raw = n.raw("output");
      if (raw.isEmpty()) {
        return OutputSpec.TEXT;
      }
      if (raw.get().isTextual()) {
        return switch (raw.get().asText()) {
          case "text" -> OutputSpec.TEXT;
          case "json" -> OutputSpec.json();
          default -> {
            n.problem("output", "output must be text, json or {format: json, schema: ...}, was '" + raw.get().asText() + "'");
            yield OutputSpec.TEXT;
          }
        };
      }
      return n.object("output", null).map(o -> {
        String format = o.text("format").orElse("json");
        Optional<JsonNode> schema = o.raw("schema");
        o.finish();
        if (format.equals("text")) {
          if (schema.isPresent()) {
            o.problem("schema", "output format text cannot have a schema");
          }
          return OutputSpec.TEXT;
        }
        if (!format.equals("json")) {
          o.problem("format", "output format must be text or json, was '" + format + "'");
        }
        return new OutputSpec(OutputSpec.Format.JSON, schema);
      }).orElse(OutputSpec.TEXT);
    }

    private Optional<Prompt> prompt(YamlObject n, String inlineKey, String fileKey) {
      Optional<String> inline = n.text(inlineKey);
      Optional<String> file = n.text(fileKey);
      if (inline.isPresent() && file.isPresent()) {
        n.problem(fileKey, "give either '" + inlineKey + "' or '" + fileKey + "', not both");
      }
      if (file.isPresent()) {
        Path relative = Path.of(file.get());
        Path resolved = baseDir == null ? relative : baseDir.resolve(relative);
        try {
          return Optional.of(new Prompt(Files.readString(resolved), Optional.of(relative)));
        } catch (IOException e) {
          n.problem(fileKey, "cannot read prompt file '" + file.get() + "' (resolved to " + resolved + ")");
          return Optional.of(new Prompt("", Optional.of(relative)));
        }
      }
      return inline.map(Prompt::inline);
    }

    private SubGraphNode subGraph(String name, YamlObject n) {
      Path relative = Path.of(n.requiredText("file"));
      Path resolved = baseDir == null ? relative : baseDir.resolve(relative);
      if (DEPTH.get() >= MAX_SUB_GRAPH_DEPTH) {
        n.problem("file", "sub-graphs nest deeper than " + MAX_SUB_GRAPH_DEPTH + " levels (a graph that contains itself?)");
        return null;
      }
      DEPTH.set(DEPTH.get() + 1);
      try {
        return new SubGraphNode(name, relative, load(resolved));
      } catch (GraphValidationException e) {
        n.problem("file", "sub-graph '" + relative + "' is invalid: " + e.getMessage());
        return null;
      } finally {
        DEPTH.set(DEPTH.get() - 1);
      }
    }

    private RouterNode router(String name, YamlObject n) {
      return new RouterNode(name, n.object("classify", name).map(c -> {
        RouterNode.Classifier classifier = new RouterNode.Classifier(c.requiredText("model"), c.textList("labels"),
            c.text("field").orElse(RouterNode.Classifier.DEFAULT_FIELD), prompt(c, "prompt", "promptFile"));
        c.finish();
        return classifier;
      }));
    }

    private JoinNode join(String name, YamlObject n) {
      return new JoinNode(name, n.integer("branches"),
          enumValue(n, "policy", JoinNode.Policy.class, JoinNode.Policy.ALL), n.integer("quorum").orElse(0),
          n.duration("timeout"), enumValue(n, "merge", JoinNode.Merge.class, JoinNode.Merge.LIST), reducer(name, n),
          enumValue(n, "onBranchFailure", JoinNode.BranchFailure.class, JoinNode.BranchFailure.FAIL),
          n.object("vote", name).map(v -> {
            JoinNode.Vote vote = new JoinNode.Vote(v.requiredText("field"), v.text("weight"), v.text("tieBreaker"));
            v.finish();
            return vote;
          }));
    }

    /** {@code reducer: com.example.Reduce}, {@code reducer: {class: com.example.Reduce}} or {@code reducer: {cel: "..."}}. */
    private static Optional<JoinNode.Reducer> reducer(String name, YamlObject n) {
      Optional<JsonNode> raw = n.raw("reducer");
      if (raw.isEmpty() || raw.get().isValueNode()) {
        return n.text("reducer").map(JoinNode.Reducer::javaClass);
      }
      return n.object("reducer", name).flatMap(r -> {
        Optional<String> className = r.text("class");
        Optional<String> cel = r.text("cel");
        r.finish();
        if (className.isPresent() == cel.isPresent()) {
          n.problem("reducer", "'reducer' needs exactly one of 'class' (a JoinReducer) or 'cel' (an expression)");
        }
        return cel.<JoinNode.Reducer>map(JoinNode.Reducer::cel).or(() -> className.map(JoinNode.Reducer::javaClass));
      });
    }

    private Edge edge(YamlObject e) {
      Edge edge = new Edge(e.requiredText("from"), e.textList("to"), e.text("when"), e.bool("default"),
          e.integer("maxIterations"), e.text("map"));
      if (!e.has("to")) {
        e.problem(null, "missing required 'to'");
      }
      e.finish();
      return edge;
    }

    private static <E extends Enum<E>> E enumValue(YamlObject n, String key, Class<E> type, E fallback) {
      Optional<String> text = n.text(key);
      if (text.isEmpty()) {
        return fallback;
      }
      try {
        return Enum.valueOf(type, text.get().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ex) {
        List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
        n.problem(key, "'" + key + "' must be one of " + String.join(", ", names) + ", was '" + text.get() + "'");
        return fallback;
      }
    }

    private static URI uri(YamlObject o, String key, boolean required) {
      String text = required ? o.requiredText(key) : o.text(key).orElse("");
      try {
        return new URI(text);
      } catch (URISyntaxException ex) {
        o.problem(key, "'" + key + "' is not a valid URL: " + ex.getMessage());
        return URI.create("");
      }
    }
  }

}
