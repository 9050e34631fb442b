package io.agentmesh.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CelReducerTest {

  private static final List<JoinReducer.Branch> SCORED = List.of(
      new JoinReducer.Branch("a", 0, Map.of("text", "short", "score", 2)),
      new JoinReducer.Branch("b", 1, Map.of("text", "the longest one", "score", 9)),
      new JoinReducer.Branch("c", 2, Map.of("text", "medium", "score", 5.5)));

  private static Object reduce(String expression, List<JoinReducer.Branch> branches) {
    return CelReducer.compile(expression).reduce(branches, Map.of());
  }

  @Test
  void concatenatesTextOutputsInBranchOrder() {
    List<JoinReducer.Branch> texts = List.of(new JoinReducer.Branch("a", 0, "one"),
        new JoinReducer.Branch("b", 1, "two"), new JoinReducer.Branch("c", 2, "three"));
    assertThat(reduce("outputs.join(' | ')", texts)).isEqualTo("one | two | three");
  }

  @Test
  void picksTheHighestScoredBranch() {
    Object best = reduce("branches.filter(b, b.output.score == math.greatest(outputs.map(o, o.score)))[0]", SCORED);
    assertThat(best).isEqualTo(Map.of("id", "b", "index", 1L, "output", Map.of("text", "the longest one", "score", 9L)));
    assertThat(reduce("outputs.map(o, o.text).sort()", SCORED)).isEqualTo(List.of("medium", "short", "the longest one"));
  }

  @Test
  void buildsJsonObjectsThatAJsonWriterAccepts() throws Exception {
    Object merged = reduce("{'ids': branches.map(b, b.id), 'total': outputs.map(o, double(o.score))"
        + ".exists(s, s > 9.0), 'first': outputs[0].text, 'none': null}", SCORED);
    assertThat(new ObjectMapper().writeValueAsString(merged))
        .isEqualTo("{\"ids\":[\"a\",\"b\",\"c\"],\"total\":false,\"first\":\"short\",\"none\":null}");
  }

  @Test
  void readsTheRunStateAndSaysSo() {
    CelReducer reducer = CelReducer.compile("state.prefix + outputs.join(',')");
    assertThat(reducer.readsState()).isTrue();
    assertThat(reducer.reduce(List.of(new JoinReducer.Branch("a", 0, "x")), Map.of("prefix", "p:"))).isEqualTo("p:x");
    assertThat(CelReducer.compile("outputs.size()").readsState()).isFalse();
  }

  @Test
  void evaluationErrorsAndValuesWithoutJsonFormAreReducerExceptions() {
    assertThatThrownBy(() -> reduce("outputs.map(o, o.missing)", SCORED))
        .isInstanceOf(CelReducer.ReducerException.class)
        .hasMessageContaining("reducer 'outputs.map(o, o.missing)' failed")
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> reduce("duration('1s')", SCORED))
        .isInstanceOf(CelReducer.ReducerException.class)
        .hasMessageContaining("has no JSON form");
  }

  @Test
  void rejectsUnknownVariablesAndSyntaxErrorsAtCompileTime() {
    assertThat(CelReducer.tryCompile("output.text")).isInstanceOfSatisfying(CelReducer.Failed.class,
        f -> assertThat(f.issues()).contains("undeclared reference to 'output'").contains("(at column 1)"));
    assertThat(CelReducer.tryCompile("outputs.join(")).isInstanceOf(CelReducer.Failed.class);
    assertThatThrownBy(() -> CelReducer.compile("run.id"))
        .isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("invalid reducer 'run.id'");
  }
}
