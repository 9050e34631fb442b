package io.agentmesh.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConditionTest {

  private static final RunInfo RUN = new RunInfo("r-1", 3, 1);

  @Test
  void evaluatesOverJsonOutputStateAndRun() throws Exception {
    Condition c = Condition.compile("output.category == 'billing' && state.tier == 'gold' && run.hops < 5");
    var output = new ObjectMapper().readTree("{\"category\": \"billing\", \"score\": 0.9}");

    assertThat(c.evaluate(output, Map.of("tier", "gold"), RUN)).isTrue();
    assertThat(c.evaluate(output, Map.of("tier", "free"), RUN)).isFalse();
  }

  @Test
  void evaluatesOverPlainJavaMapsListsAndNumbers() {
    Condition c = Condition.compile("output.score > 0.5 && size(output.items) == 2 && output.n == 3");
    assertThat(c.evaluate(Map.of("score", 0.7, "items", List.of("a", "b"), "n", 3), Map.of(), RUN)).isTrue();
  }

  @Test
  void evaluatesOverTextOutput() {
    assertThat(Condition.compile("output.contains('APPROVED')").evaluate("looks good: APPROVED", Map.of(), RUN)).isTrue();
  }

  @Test
  void missingFieldAtRunTimeIsAConditionException() {
    Condition c = Condition.compile("output.category == 'x'");
    assertThatThrownBy(() -> c.evaluate(Map.of("other", 1), Map.of(), RUN))
        .isInstanceOf(Condition.ConditionException.class)
        .hasMessageContaining("output.category == 'x'");
  }

  @Test
  void compileRejectsNonBooleanAndUnknownVariables() {
    assertThatThrownBy(() -> Condition.compile("'text'")).hasMessageContaining("invalid condition");
    assertThatThrownBy(() -> Condition.compile("foo == 1")).hasMessageContaining("undeclared reference to 'foo'");
  }

  @Test
  void routeFiresMatchingConditionsElseTheDefault() {
    Graph triage = GraphLoader.load(GraphLoaderTest.EXAMPLES.resolve("support-triage/graph.yaml"));

    assertThat(triage.route("triage", Map.of("category", "billing"), Map.of(), RUN)).containsExactly("billing");
    assertThat(triage.route("triage", Map.of("category", "technical"), Map.of(), RUN)).containsExactly("technical");
    assertThat(triage.route("triage", Map.of("category", "other"), Map.of(), RUN)).containsExactly("escalate");
    assertThat(triage.route("billing", "answer", Map.of(), RUN)).containsExactly(Edge.END);
  }

  @Test
  void fanOutEdgeRoutesToEveryTarget() {
    Graph g = GraphLoader.parse("""
        name: fan
        models: {m: {baseUrl: "http://h/v1", model: x}}
        nodes:
          a: {type: llm, model: m}
          b: {type: llm, model: m}
          c: {type: llm, model: m}
          j: {type: join, branches: 2, merge: object}
        edges:
          - {from: START, to: a}
          - {from: a, to: [b, c]}
          - {from: b, to: j}
          - {from: c, to: j}
          - {from: j, to: END}
        """, "fan.yaml", Path.of("."));
    assertThat(g.route("a", "x", Map.of(), RUN)).containsExactly("b", "c");
    assertThat(((JoinNode) g.node("j")).merge()).isEqualTo(JoinNode.Merge.OBJECT);
  }
}
