package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.core.graph.CelReducer;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.graph.JoinReducer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class JoinMergerTest {

  private static final List<JoinMerger.Arrived> SCORED = List.of(
      json("a", 0, "{\"text\":\"fine\",\"score\":0.4}"),
      json("b", 1, "{\"text\":\"best\",\"score\":0.9}"),
      json("c", 2, "{\"text\":\"ok\",\"score\":0.7}"));

  private static final Supplier<Map<String, Object>> NO_STATE = () -> {
    throw new AssertionError("the run state was asked for");
  };

  /** Joins the branch ids and outputs as text. */
  public static final class Concat implements JoinReducer {
    @Override
    public Object reduce(List<Branch> branches) {
      return String.join(",", branches.stream().map(b -> b.id() + "=" + b.output()).toList());
    }
  }

  private static JoinMerger.Arrived json(String id, int index, String payload) {
    return new JoinMerger.Arrived(id, index, payload.getBytes(StandardCharsets.UTF_8), JoinMerger.JSON_TYPE);
  }

  private static JoinMerger.Arrived text(String id, int index, String payload) {
    return new JoinMerger.Arrived(id, index, payload.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
  }

  private static JoinMerger cel(String expression) {
    return new JoinMerger(JoinNode.all("pick").withReducer(JoinNode.Reducer.cel(expression)),
        Optional.of(CelReducer.compile(expression)));
  }

  private static String string(JoinMerger.Merged merged) {
    return new String(merged.payload(), StandardCharsets.UTF_8);
  }

  @Test
  void celReducerPicksTheHighestScoredBranchAsJson() throws Exception {
    JoinMerger.Merged merged = cel("branches.filter(b, b.output.score == math.greatest(outputs.map(o, o.score)))[0]")
        .merge(SCORED, NO_STATE);
    assertThat(merged.contentType()).isEqualTo(JoinMerger.JSON_TYPE);
    assertThat(string(merged)).isEqualTo("{\"id\":\"b\",\"index\":1,\"output\":{\"text\":\"best\",\"score\":0.9}}");
  }

  @Test
  void celReducerThatGivesAStringGivesText() throws Exception {
    JoinMerger.Merged merged = cel("outputs.join('\\n')")
        .merge(List.of(text("a", 0, "one"), text("b", 1, "two"), text("c", 2, "three")), NO_STATE);
    assertThat(merged.contentType()).startsWith("text/plain");
    assertThat(string(merged)).isEqualTo("one\ntwo\nthree");
  }

  @Test
  void celReducerReadsTheRunStateOnlyWhenItNamesIt() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    JoinMerger.Merged merged = cel("{'topic': state.topic, 'n': size(outputs)}")
        .merge(SCORED, () -> {
          asked.incrementAndGet();
          return Map.of("topic", "cats");
        });
    assertThat(string(merged)).isEqualTo("{\"topic\":\"cats\",\"n\":3}");
    assertThat(asked).hasValue(1);
  }

  @Test
  void celReducerThatFailsAtRunTimeThrowsAReducerException() {
    assertThatThrownBy(() -> cel("outputs.map(o, o.confidence)").merge(SCORED, NO_STATE))
        .isInstanceOf(CelReducer.ReducerException.class)
        .hasMessageContaining("reducer 'outputs.map(o, o.confidence)' failed")
        .hasMessageContaining("confidence");
  }

  @Test
  void javaReducerByClassNameStillMerges() throws Exception {
    JoinMerger merger = new JoinMerger(JoinNode.all("pick").withReducer(JoinNode.Reducer.javaClass(Concat.class.getName())),
        Optional.empty());
    assertThat(string(merger.merge(List.of(text("a", 0, "x"), json("b", 1, "{\"k\":1}")), NO_STATE)))
        .isEqualTo("a=x,b={k=1}");
  }

  @Test
  void aCelReducerMustHaveBeenCompiled() {
    assertThatThrownBy(() -> new JoinMerger(JoinNode.all("pick").withReducer(JoinNode.Reducer.cel("outputs")), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("join 'pick' has a CEL reducer but none was compiled");
  }
}
