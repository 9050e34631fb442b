package io.agentmesh.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class GraphLoaderTest {

  static final Path EXAMPLES = Path.of("..", "examples");

  private static final String HEAD = """
      name: g
      models:
        m: {baseUrl: "http://localhost:8000/v1", model: sim}
      """;

  static Graph parse(String yaml) {
    return GraphLoader.parse(yaml, "graph.yaml", Path.of("."));
  }

  static List<ValidationError> errors(String yaml) {
    try {
      parse(yaml);
    } catch (GraphValidationException e) {
      return e.errors();
    }
    throw new AssertionError("expected the graph to be rejected");
  }

  @Test
  void loadsBothExamplesWithTheirSpecs() {
    Graph research = GraphLoader.load(EXAMPLES.resolve("research-pipeline/graph.yaml"));
    DeploymentSpec researchSpec = GraphLoader.loadSpec(EXAMPLES.resolve("research-pipeline/deploy.yaml"), research);
    assertThat(research.nodes().keySet()).containsExactly("planner", "researcher", "writer");
    assertThat(research.entryNodes()).containsExactly("planner");
    assertThat(researchSpec.node("researcher").replicas()).isEqualTo(3);
    assertThat(researchSpec.processes()).singleElement()
        .satisfies(p -> assertThat(p.nodes()).containsExactly("planner", "writer"));

    Graph triage = GraphLoader.load(EXAMPLES.resolve("support-triage/graph.yaml"));
    GraphLoader.loadSpec(EXAMPLES.resolve("support-triage/deploy.yaml"), triage);
    assertThat(triage.node("triage")).isInstanceOf(RouterNode.class);
    assertThat(triage.outgoing("triage")).hasSize(3);
  }

  @Test
  void yamlAndBuilderGiveEqualGraphs() throws Exception {
    Graph fromYaml = GraphLoader.load(EXAMPLES.resolve("research-pipeline/graph.yaml"));
    ObjectMapper json = new ObjectMapper();
    JsonNode inputSchema = json.readTree("""
        {"type": "object", "required": ["question"],
         "properties": {"question": {"type": "string", "minLength": 1}}}""");
    JsonNode planSchema = json.readTree("""
        {"type": "object", "required": ["subQuestions"],
         "properties": {"subQuestions": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}""");

    Path example = Path.of("..", "examples", "research-pipeline");
    Graph built = Graph.builder("research-pipeline")
        .version("1")
        .inputSchema(inputSchema)
        .guards(new Guards(OptionalInt.of(10), OptionalLong.of(20000), Optional.of(Duration.ofMinutes(2))))
        .model(Model.of("default", "http://localhost:8000/v1", "sim-large")
            .withParams(OptionalDouble.of(0.2), OptionalInt.of(1024))
            .withCalls(Duration.ofSeconds(30), 3)
            .withFallback("small"))
        .model(Model.of("small", "http://localhost:8000/v1", "sim-small").withCalls(Duration.ofSeconds(30), 3))
        .node(LlmNode.builder("planner", "default")
            .role("Breaks a research question into three focused sub-questions.")
            .system(promptFile(example, "prompts/planner.md"))
            .prompt("Question: {{input.question}}")
            .output(OutputSpec.json(planSchema))
            .build())
        .node(LlmNode.builder("researcher", "default")
            .role("Answers each sub-question with short factual notes.")
            .system(promptFile(example, "prompts/researcher.md"))
            .prompt("Answer these sub-questions:\n{{input}}")
            .build())
        .node(LlmNode.builder("writer", "default")
            .role("Writes the final report from the notes.")
            .system(promptFile(example, "prompts/writer.md"))
            .prompt("Notes:\n{{input}}")
            .build())
        .edge(Edge.START, "planner")
        .edge("planner", "researcher")
        .edge("researcher", "writer")
        .edge("writer", Edge.END)
        .build();

    assertThat(built).isEqualTo(fromYaml);
    assertThat(built.hashCode()).isEqualTo(fromYaml.hashCode());
  }

  @Test
  void unknownModelIsReportedWithLineColumnAndNode() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          writer:
            type: llm
            model: gpt-9
        edges:
          - {from: START, to: writer}
          - {from: writer, to: END}
        """);
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.file()).isEqualTo("graph.yaml");
      assertThat(e.line()).isEqualTo(7);
      assertThat(e.column()).isEqualTo(5);
      assertThat(e.node()).contains("writer");
      assertThat(e.message()).contains("unknown model 'gpt-9'").contains("known: m");
      assertThat(e.toString()).startsWith("graph.yaml:7:5: node 'writer': unknown model 'gpt-9'");
    });
  }

  @Test
  void fallbackCyclesAreReportedOnceAndAChainIsAccepted() {
    String nodes = """
        nodes:
          w: {type: llm, model: a}
        edges:
          - {from: START, to: w}
          - {from: w, to: END}
        """;
    List<ValidationError> errors = errors("""
        name: g
        models:
          a: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: b}
          b: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: c}
          c: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: a}
          d: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: a}
          e: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: e}
        """ + nodes);
    assertThat(errors).extracting(ValidationError::message).containsExactlyInAnyOrder(
        "model 'a': fallbacks form a cycle: a -> b -> c -> a",
        "model 'e' cannot be its own fallback");

    Graph chain = parse("""
        name: g
        models:
          a: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: b}
          b: {baseUrl: "http://localhost:8000/v1", model: sim, fallback: c}
          c: {baseUrl: "http://localhost:8000/v1", model: sim}
        """ + nodes);
    assertThat(chain.model("a").fallback()).contains("b");
  }

  @Test
  void unknownNodeAndToolAreReported() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          a: {type: llm, model: m, tools: [search]}
          b: {type: tool, tool: fetch}
        edges:
          - {from: START, to: a}
          - {from: a, to: [b, c]}
          - {from: b, to: END}
        """);
    assertThat(errors).extracting(ValidationError::message).anySatisfy(m -> assertThat(m).contains("unknown tool 'search'"))
        .anySatisfy(m -> assertThat(m).contains("unknown tool 'fetch'"))
        .anySatisfy(m -> assertThat(m).contains("edge to unknown node 'c'"));
    assertThat(errors).filteredOn(e -> e.message().contains("'c'")).singleElement()
        .satisfies(e -> assertThat(e.line()).isEqualTo(9));
  }

  @Test
  void duplicateNodeNamesAreReportedAtTheSecondKey() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          a: {type: llm, model: m}
          a: {type: llm, model: m}
        edges:
          - {from: START, to: a}
          - {from: a, to: END}
        """);
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.message()).contains("duplicate key 'a' in nodes");
      assertThat(e.line()).isEqualTo(6);
    });
  }

  @Test
  void duplicateNamesFromTheBuilderAreReported() {
    assertThatThrownBy(() -> Graph.builder("g")
        .model(Model.of("m", "http://h/v1", "x"))
        .node(LlmNode.builder("a", "m").build())
        .node(LlmNode.builder("a", "m").build())
        .edge(Edge.START, "a").edge("a", Edge.END)
        .build())
        .isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("duplicate node name 'a'");
  }

  @Test
  void unreachableNodeAndNodeThatCannotReachEndAreReported() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          a: {type: llm, model: m}
          island: {type: llm, model: m}
          sink: {type: llm, model: m}
        edges:
          - {from: START, to: a}
          - {from: a, to: [END, sink]}
          - {from: island, to: END}
        """);
    assertThat(errors).extracting(e -> e.node().orElse("") + ": " + e.message()).containsExactlyInAnyOrder(
        "island: unreachable: no path from START leads to it",
        "sink: cannot reach END: no path from it leads to END");
  }

  @Test
  void cycleWithoutBoundIsReportedAndABoundFixesIt() {
    String loop = HEAD + """
        nodes:
          writer: {type: llm, model: m}
          reviewer: {type: llm, model: m, output: {format: json, schema: {type: object, properties: {approved: {type: boolean}}}}}
        edges:
          - {from: START, to: writer}
          - {from: writer, to: reviewer}
          - {from: reviewer, to: END, when: "output.approved"}
          - {from: reviewer, to: writer, default: true%s}
        """;
    assertThat(errors(loop.formatted(""))).singleElement().satisfies(e -> {
      assertThat(e.message()).contains("cycle [").contains("has no bound");
      assertThat(e.node()).contains("writer");
    });
    assertThat(parse(loop.formatted(", maxIterations: 3")).nodes()).hasSize(2);
    assertThat(parse(loop.formatted("").replace("name: g\n", "name: g\nguards: {maxHops: 12}\n")).nodes()).hasSize(2);
  }

  @Test
  void celThatDoesNotCompileOrNamesUnknownVariablesOrFieldsIsReported() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          r: {type: llm, model: m, output: {format: json, schema: {type: object, properties: {category: {type: string}}}}}
          a: {type: llm, model: m}
          b: {type: llm, model: m}
          c: {type: llm, model: m}
          d: {type: llm, model: m}
        edges:
          - {from: START, to: r}
          - {from: r, to: a, when: "output.category == "}
          - {from: r, to: b, when: "input.category == 'x'"}
          - {from: r, to: c, when: "output.categroy == 'x'"}
          - {from: r, to: d, when: "run.hopz > 3"}
          - {from: r, to: END, default: true}
          - {from: a, to: END}
          - {from: b, to: END}
          - {from: c, to: END}
          - {from: d, to: END, when: "output.x == 1"}
        """);
    assertThat(errors).extracting(ValidationError::message)
        .anySatisfy(m -> assertThat(m).contains("'output.category == ' does not compile"))
        .anySatisfy(m -> assertThat(m).contains("undeclared reference to 'input'"))
        .anySatisfy(m -> assertThat(m).contains("unknown field 'categroy' of output").contains("[category]"))
        .anySatisfy(m -> assertThat(m).contains("run has no field 'hopz'"))
        .anySatisfy(m -> assertThat(m).contains("node 'd' outputs text"));
    assertThat(errors).hasSize(5).allSatisfy(e -> assertThat(e.line()).isGreaterThan(0));
  }

  @Test
  void unknownYamlFieldsAreErrorsNamingTheKnownOnes() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          a: {type: llm, model: m, temprature: 0.3}
        edges:
          - {from: START, to: a, wen: "true"}
          - {from: a, to: END}
        """);
    assertThat(errors).extracting(ValidationError::message)
        .anySatisfy(m -> assertThat(m).contains("unknown field 'temprature' in nodes.a").contains("model"))
        .anySatisfy(m -> assertThat(m).contains("unknown field 'wen'"));
  }

  @Test
  void collectsEveryProblemInOneException() {
    assertThatThrownBy(() -> parse(HEAD + """
        nodes:
          a: {type: llm, model: nope}
          b: {type: sorcery}
        edges:
          - {from: START, to: a}
          - {from: a, to: END, when: "output =="}
        """))
        .isInstanceOf(GraphValidationException.class)
        .hasMessageStartingWith("3 problems:")
        .hasMessageContaining("unknown model 'nope'")
        .hasMessageContaining("unknown node type 'sorcery'")
        .hasMessageContaining("does not compile");
  }

  @Test
  void invalidYamlSyntaxIsReportedWithPosition() {
    List<ValidationError> errors = errors("name: g\nnodes: [a\n");
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.message()).startsWith("invalid YAML");
      assertThat(e.line()).isGreaterThan(0);
    });
  }

  @Test
  void specNamingAnUnknownNodeIsReported() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("research-pipeline/graph.yaml"));
    assertThatThrownBy(() -> GraphLoader.parseSpec("""
        nodes:
          planner: {replicas: 2}
          plannr: {replicas: 2}
        processes:
          - {name: p, nodes: [writer, ghost]}
        """, "deploy.yaml", graph))
        .isInstanceOf(GraphValidationException.class)
        .satisfies(e -> assertThat(((GraphValidationException) e).errors()).extracting(ValidationError::toString)
            .anySatisfy(s -> assertThat(s).startsWith("deploy.yaml:3:3: node 'plannr': unknown node 'plannr'"))
            .anySatisfy(s -> assertThat(s).contains("names unknown node 'ghost'")));
  }

  @Test
  void specChoosesTheDeliveryGuaranteeAndRejectsAnUnknownOne() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("research-pipeline/graph.yaml"));
    assertThat(GraphLoader.parseSpec("nodes: {planner: {replicas: 2}}\n", "deploy.yaml", graph).delivery())
        .isEqualTo(DeploymentSpec.Delivery.EXACTLY_ONCE);
    assertThat(GraphLoader.parseSpec("delivery: at-least-once\n", "deploy.yaml", graph).delivery())
        .isEqualTo(DeploymentSpec.Delivery.AT_LEAST_ONCE);
    assertThat(GraphLoader.parseSpec("delivery: at-least-once\n", "deploy.yaml", graph).forSubGraph("x").delivery())
        .isEqualTo(DeploymentSpec.Delivery.AT_LEAST_ONCE);
    assertThatThrownBy(() -> GraphLoader.parseSpec("topicPrefix: mesh\ndelivery: exactly_once\n", "deploy.yaml", graph))
        .isInstanceOf(GraphValidationException.class)
        .satisfies(e -> assertThat(((GraphValidationException) e).errors()).extracting(ValidationError::toString)
            .anySatisfy(s -> assertThat(s).startsWith("deploy.yaml:2:")
                .contains("'delivery' must be 'exactly-once' or 'at-least-once', was 'exactly_once'")));
  }

  @Test
  void specNamesSubGraphNodesQualifiedAndReportsUnknownOnesAtTheirLine() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("hierarchical-teams/graph.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec("nodes: {research-squad.searcher: {replicas: 3}}\n", "deploy.yaml", graph);
    assertThat(spec.node("research-squad.searcher").replicas()).isEqualTo(3);
    assertThat(spec.forSubGraph("research-squad").node("searcher").replicas()).isEqualTo(3);
    assertThat(spec.forSubGraph("research-squad").nodes()).doesNotContainKey("research-squad.searcher");

    assertThatThrownBy(() -> GraphLoader.parseSpec("""
        nodes:
          research: {replicas: 2}
          research-squad.sercher: {replicas: 2}
          squad.searcher: {replicas: 2}
          searcher: {replicas: 2}
        processes:
          - {name: p, nodes: [lead, research-squad.searcher]}
        """, "deploy.yaml", graph))
        .isInstanceOf(GraphValidationException.class)
        .satisfies(e -> assertThat(((GraphValidationException) e).errors()).extracting(ValidationError::toString)
            .anySatisfy(s -> assertThat(s).startsWith("deploy.yaml:3:3: node 'research-squad.sercher': unknown node "
                + "'research-squad.sercher': sub-graph 'research-squad' has searcher, summariser"))
            .anySatisfy(s -> assertThat(s).startsWith("deploy.yaml:4:3: node 'squad.searcher': unknown node "
                + "'squad.searcher': 'squad' is not a sub-graph of graph 'hierarchical-teams' (its sub-graphs: research-squad)"))
            .anySatisfy(s -> assertThat(s).startsWith("deploy.yaml:5:3: node 'searcher': unknown node 'searcher'")
                .contains("<sub-graph>.<node>"))
            .anySatisfy(s -> assertThat(s).contains("names unknown node 'research-squad.searcher' (a sub-graph's nodes"))
            .hasSize(4));
  }

  @Test
  void illegalNodeNameForKafkaIsReportedNamingTheNode() {
    List<ValidationError> errors = errors(HEAD + """
        nodes:
          "bad.name": {type: llm, model: m}
        edges:
          - {from: START, to: bad.name}
          - {from: bad.name, to: END}
        """);
    assertThat(errors).anySatisfy(e -> {
      assertThat(e.node()).contains("bad.name");
      assertThat(e.message()).contains("may only contain letters, digits");
    });
  }

  @Test
  void aPromptRendersAnObjectFieldOfItsInputAsCompactJson() {
    Prompt prompt = Prompt.inline("Order: {{input.order}}; customer {{input.customer}}; missing [{{input.none}}]");

    String rendered = prompt.render("{\"order\": {\"id\": 7, \"items\": [\"a\", \"b\"]}, \"customer\": \"Ada\"}", Map.of(), "r");

    assertThat(rendered).isEqualTo("Order: {\"id\":7,\"items\":[\"a\",\"b\"]}; customer Ada; missing []");
  }

  @Test
  void promptFilesAreReadRelativeToTheGraph(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("sys.md"), "You are {{state.persona}}.");
    java.nio.file.Files.writeString(dir.resolve("graph.yaml"), HEAD + """
        nodes:
          a: {type: llm, model: m, systemFile: sys.md}
        edges:
          - {from: START, to: a}
          - {from: a, to: END}
        """);
    LlmNode a = (LlmNode) GraphLoader.load(dir.resolve("graph.yaml")).node("a");
    assertThat(a.system()).get().satisfies(p -> {
      assertThat(p.file()).contains(Path.of("sys.md"));
      assertThat(p.render("", Map.of("persona", "a pirate"), "r")).isEqualTo("You are a pirate.");
    });
  }

  @Test
  void mapEdgeNeedsAListPathOneTargetAndAJsonSource() {
    String graph = HEAD + """
        nodes:
          planner: {type: llm, model: m, output: {format: json, schema: {type: object, properties: {items: {type: array}, title: {type: string}}}}}
          notes: {type: llm, model: m}
          worker: {type: llm, model: m}
          merge: {type: join}
        edges:
          - {from: START, to: planner}
          - {from: planner, to: %s, map: "%s"}
          - {from: planner, to: notes}
          - {from: notes, to: END}
          - {from: worker, to: merge}
          - {from: merge, to: END}
        """;
    Graph ok = parse(graph.formatted("worker", "output.items"));
    assertThat(ok.edge("planner", "worker").orElseThrow().mapFields()).containsExactly("items");
    assertThat(errors(graph.formatted("worker", "output.tasks"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("map 'output.tasks'").contains("unknown field 'tasks'"));
    assertThat(errors(graph.formatted("worker", "output.title"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("declares it as string, not array"));
    assertThat(errors(graph.formatted("worker", "items[0]"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("must be a path into the output such as output.items"));
    assertThat(errors(graph.formatted("[worker, merge]", "output.items"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("needs exactly one target node"));
    assertThat(errors(graph.formatted("worker", "output.items").replace("{type: llm, model: m, output:", "{type: llm, model: m, xoutput:")
        .replace("planner: {type: llm, model: m, xoutput: {format: json, schema: {type: object, properties: {items: {type: array}, title: {type: string}}}}}",
            "planner: {type: llm, model: m}")))
        .singleElement().satisfies(e -> assertThat(e.message()).contains("outputs text, but map needs a JSON list"));
  }

  @Test
  void voteMergeNeedsAVoteAndAVoteNeedsMergeVote() {
    String graph = HEAD + """
        nodes:
          a: {type: llm, model: m}
          b: {type: llm, model: m}
          pick: {type: join, merge: %s}
        edges:
          - {from: START, to: [a, b]}
          - {from: a, to: pick}
          - {from: b, to: pick}
          - {from: pick, to: END}
        """;
    JoinNode join = (JoinNode) parse(graph.formatted("vote, vote: {field: answer, weight: confidence, tieBreaker: b}")).node("pick");
    assertThat(join.vote()).contains(new JoinNode.Vote("answer", Optional.of("confidence"), Optional.of("b")));
    assertThat(errors(graph.formatted("vote"))).singleElement().satisfies(e -> assertThat(e.message()).contains("merge vote needs"));
    assertThat(errors(graph.formatted("list, vote: {field: answer}"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("'vote' only applies to merge vote"));
  }

  private static final String REDUCER_GRAPH = HEAD + """
      nodes:
        a: {type: llm, model: m}
        b: {type: llm, model: m}
        pick:
          type: join
          merge: %s
      edges:
        - {from: START, to: [a, b]}
        - {from: a, to: pick}
        - {from: b, to: pick}
        - {from: pick, to: END}
      """;

  @Test
  void reducerIsAJavaClassNameOrAClassOrACelMapping() {
    Graph bare = parse(REDUCER_GRAPH.formatted("reducer\n    reducer: com.example.Reduce"));
    assertThat(((JoinNode) bare.node("pick")).reducer()).contains(JoinNode.Reducer.javaClass("com.example.Reduce"));
    assertThat(bare.celReducer("pick")).isEmpty();
    Graph spelled = parse(REDUCER_GRAPH.formatted("reducer\n    reducer: {class: com.example.Reduce}"));
    assertThat(((JoinNode) spelled.node("pick")).reducer()).contains(JoinNode.Reducer.javaClass("com.example.Reduce"));
    Graph cel = parse(REDUCER_GRAPH.formatted("reducer\n    reducer: {cel: \"outputs.join('\\\\n')\"}"));
    assertThat(((JoinNode) cel.node("pick")).reducer()).contains(JoinNode.Reducer.cel("outputs.join('\\n')"));
    assertThat(cel.celReducer("pick")).get().satisfies(r -> assertThat(r.reduce(
        List.of(new JoinReducer.Branch("a", 0, "x"), new JoinReducer.Branch("b", 1, "y")), Map.of())).isEqualTo("x\ny"));
  }

  @Test
  void celReducerThatDoesNotCompileOrNamesUnknownVariablesIsReportedAtItsPosition() {
    assertThat(errors(REDUCER_GRAPH.formatted("reducer\n    reducer:\n      cel: \"outputs.join(\""))).singleElement()
        .satisfies(e -> {
          assertThat(e.toString()).startsWith("graph.yaml:11:7: node 'pick': reducer 'outputs.join(' does not compile: ");
          assertThat(e.message()).contains("(variables: branches, outputs, state)");
        });
    assertThat(errors(REDUCER_GRAPH.formatted("reducer\n    reducer: {cel: \"output.text + run.id\"}"))).singleElement()
        .satisfies(e -> {
          assertThat(e.node()).contains("pick");
          assertThat(e.line()).isEqualTo(10);
          assertThat(e.message()).containsPattern("undeclared reference to 'output' .*\\(at column 1\\)")
              .containsPattern("undeclared reference to 'run' .*\\(at column 15\\)");
        });
  }

  @Test
  void reducerNeedsMergeReducerAndExactlyOneOfClassOrCel() {
    assertThat(errors(REDUCER_GRAPH.formatted("reducer"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("merge reducer needs a 'reducer': a class name or {cel: <expression>}"));
    assertThat(errors(REDUCER_GRAPH.formatted("list\n    reducer: {cel: \"outputs\"}"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("'reducer' only applies to merge reducer"));
    assertThat(errors(REDUCER_GRAPH.formatted("reducer\n    reducer: {class: com.example.R, cel: \"outputs\"}")))
        .singleElement().satisfies(e -> assertThat(e.message()).contains("exactly one of 'class'"));
    assertThat(errors(REDUCER_GRAPH.formatted("reducer\n    reducer: {cell: \"outputs\"}")))
        .extracting(ValidationError::message)
        .anySatisfy(m -> assertThat(m).contains("unknown field 'cell' in nodes.pick.reducer"))
        .anySatisfy(m -> assertThat(m).contains("exactly one of 'class'"));
    assertThat(errors(REDUCER_GRAPH.formatted("reducer\n    reducer: {class: \"not a class\"}"))).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("'not a class' is not a Java class name"));
  }

  @Test
  void builderCompilesCelReducersAndReportsTheJoin() {
    java.util.function.Function<String, GraphBuilder> graph = expression -> Graph.builder("g")
        .model(Model.of("m", "http://localhost:8000/v1", "sim"))
        .node(LlmNode.builder("a", "m").build())
        .node(JoinNode.all("pick").withReducer(JoinNode.Reducer.cel(expression)))
        .edge("START", "a").edge("a", "pick").edge("pick", "END");
    assertThat(graph.apply("outputs[0]").build().celReducer("pick")).get()
        .satisfies(r -> assertThat(r.expression()).isEqualTo("outputs[0]"));
    assertThatThrownBy(() -> graph.apply("outputs[0] +").build())
        .isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("<builder:g>: node 'pick': reducer 'outputs[0] +' does not compile");
  }

  private static final String ONE_NODE = """
      nodes:
        a: {type: llm, model: m}
      edges:
        - {from: START, to: a}
        - {from: a, to: END}
      """;

  @Test
  void stateSectionDeclaresAReducerPerKeyAndBuilderGivesTheSameGraph() {
    Graph fromYaml = parse(HEAD + """
        state:
          findings: {merge: append}
          votes: {merge: sum}
          summary: {merge: replace}
        """ + ONE_NODE);
    assertThat(fromYaml.state().reducers()).containsExactly(Map.entry("findings", StateReducer.APPEND),
        Map.entry("votes", StateReducer.SUM), Map.entry("summary", StateReducer.REPLACE));
    assertThat(fromYaml.state().reducer("other")).isEqualTo(StateReducer.REPLACE);
    Graph built = Graph.builder("g")
        .state("findings", StateReducer.APPEND).state("votes", StateReducer.SUM).state("summary", StateReducer.REPLACE)
        .model(Model.of("m", "http://localhost:8000/v1", "sim"))
        .node(LlmNode.builder("a", "m").build())
        .edge("START", "a").edge("a", "END")
        .build();
    assertThat(built).isEqualTo(fromYaml);
    assertThat(parse(HEAD + ONE_NODE).state()).isEqualTo(StateSchema.NONE).isNotEqualTo(fromYaml.state());
    assertThat(parse(HEAD + ONE_NODE)).isNotEqualTo(fromYaml);
  }

  @Test
  void unknownMergeInStateIsReportedAtItsLineAndColumn() {
    List<ValidationError> errors = errors(HEAD + """
        state:
          findings: {merge: append}
          votes:
            merge: concat
        """ + ONE_NODE);
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.line()).isEqualTo(7);
      assertThat(e.column()).isEqualTo(5);
      assertThat(e.toString()).isEqualTo("graph.yaml:7:5: state key 'votes': unknown merge 'concat' "
          + "(known: replace, append, union, sum, max, min, merge)");
    });
  }

  @Test
  void malformedStateSectionsAreReportedWithPositions() {
    assertThat(errors(HEAD + "state: [findings]\n" + ONE_NODE)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("graph.yaml:4:").contains("'state' must be a mapping"));
    assertThat(errors(HEAD + "state:\n  findings: append\n" + ONE_NODE)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("graph.yaml:5:").contains("'findings' must be a mapping"));
    assertThat(errors(HEAD + "state:\n  findings: {}\n" + ONE_NODE)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("graph.yaml:5:").contains("missing required 'merge'"));
    assertThat(errors(HEAD + "state:\n  findings: {merge: append, order: asc}\n" + ONE_NODE)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("graph.yaml:5:").contains("unknown field 'order'"));
    assertThat(errors(HEAD + "state:\n  findings: {merge: [append]}\n" + ONE_NODE)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("graph.yaml:5:").contains("'merge' must be a string"));
  }

  @Test
  void builderRejectsDuplicateBlankOrMissingStateDeclarations() {
    GraphBuilder graph = Graph.builder("g")
        .state("votes", StateReducer.SUM).state("votes", StateReducer.MAX).state(" ", StateReducer.SUM)
        .state("best", null)
        .model(Model.of("m", "http://localhost:8000/v1", "sim"))
        .node(LlmNode.builder("a", "m").build())
        .edge("START", "a").edge("a", "END");
    assertThatThrownBy(graph::build)
        .isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("duplicate state key 'votes'")
        .hasMessageContaining("a state key must not be blank")
        .hasMessageContaining("state key 'best' needs a merge (one of replace, append, union, sum, max, min, merge)");
  }

  /** A prompt read from a file of the example, as the loader reads a {@code systemFile}. */
  private static Prompt promptFile(Path exampleDir, String relative) throws java.io.IOException {
    return new Prompt(java.nio.file.Files.readString(exampleDir.resolve(relative)), Optional.of(Path.of(relative)));
  }
}
