package io.agentmesh.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateSchemaTest {

  private static final StateSchema SCHEMA = StateSchema.of(linked(
      "findings", StateReducer.APPEND,
      "seen", StateReducer.UNION,
      "votes", StateReducer.SUM,
      "best", StateReducer.MAX,
      "cheapest", StateReducer.MIN,
      "profile", StateReducer.MERGE,
      "summary", StateReducer.REPLACE));

  private static Map<String, StateReducer> linked(Object... pairs) {
    Map<String, StateReducer> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put((String) pairs[i], (StateReducer) pairs[i + 1]);
    }
    return out;
  }

  private static Map<String, Object> merge(Map<String, Object> current, Map<String, ?> updates) {
    return SCHEMA.merged(current, updates, "n");
  }

  @Test
  void appendAddsTheItemsOfAListAndANonListAsOneItem() {
    Map<String, Object> state = merge(Map.of(), Map.of("findings", List.of("a", "b")));
    assertThat(state.get("findings")).isEqualTo(List.of("a", "b"));
    state = merge(state, Map.of("findings", "c"));
    state = merge(state, Map.of("findings", List.of("a")));
    assertThat(state.get("findings")).isEqualTo(List.of("a", "b", "c", "a"));
    assertThat(merge(Map.of(), Map.of("findings", Map.of("k", 1))).get("findings")).isEqualTo(List.of(Map.of("k", 1)));
  }

  @Test
  void unionKeepsTheFirstAppearanceOfEachItemComparingNumbersByValue() {
    Map<String, Object> state = merge(Map.of("seen", List.of("x", 1)), Map.of("seen", List.of("y", "x", 1L, 1.0, 2, "y")));
    assertThat(state.get("seen")).isEqualTo(List.of("x", 1, "y", 2));
    assertThat(merge(state, Map.of("seen", "z")).get("seen")).isEqualTo(List.of("x", 1, "y", 2, "z"));
  }

  @Test
  void sumAddsWholeNumbersExactlyAndDecimalsAsDoubles() {
    assertThat(merge(Map.of(), Map.of("votes", 3)).get("votes")).isEqualTo(3L);
    assertThat(merge(Map.of("votes", 3), Map.of("votes", 4L)).get("votes")).isEqualTo(7L);
    assertThat(merge(Map.of("votes", 1), Map.of("votes", 0.5)).get("votes")).isEqualTo(1.5);
    assertThatThrownBy(() -> merge(Map.of("votes", Long.MAX_VALUE), Map.of("votes", 1)))
        .isInstanceOf(StateMergeException.class).hasMessageContaining("overflows");
  }

  @Test
  void maxAndMinKeepTheLargerAndTheSmaller() {
    assertThat(merge(Map.of(), Map.of("best", 5)).get("best")).isEqualTo(5);
    assertThat(merge(Map.of("best", 5), Map.of("best", 3)).get("best")).isEqualTo(5);
    assertThat(merge(Map.of("best", 5), Map.of("best", 7.5)).get("best")).isEqualTo(7.5);
    assertThat(merge(Map.of("cheapest", 5), Map.of("cheapest", 3)).get("cheapest")).isEqualTo(3);
    assertThat(merge(Map.of("cheapest", 2L), Map.of("cheapest", 3)).get("cheapest")).isEqualTo(2L);
  }

  @Test
  void mergeIsAShallowMergeOfFields() {
    Map<String, Object> state = merge(Map.of("profile", Map.of("name", "a", "tags", List.of("x"))),
        Map.of("profile", Map.of("tags", List.of("y"), "age", 3)));
    assertThat(state.get("profile")).isEqualTo(Map.of("name", "a", "tags", List.of("y"), "age", 3));
  }

  @Test
  void replaceAndUndeclaredKeysTakeTheLastWrite() {
    Map<String, Object> state = merge(Map.of("summary", "old", "other", List.of(1)), Map.of("summary", "new", "other", 2));
    assertThat(state).containsEntry("summary", "new").containsEntry("other", 2);
    assertThat(StateSchema.NONE.reducer("findings")).isEqualTo(StateReducer.REPLACE);
    assertThat(SCHEMA.reducer("undeclared")).isEqualTo(StateReducer.REPLACE);
  }

  @Test
  void leavesItsArgumentsUnchangedSoACompareAndSetRetryCanApplyItAgain() {
    Map<String, Object> current = new HashMap<>(Map.of("findings", List.of("a"), "votes", 1));
    Map<String, Object> updates = Map.of("findings", List.of("b"), "votes", 2);
    Map<String, Object> first = merge(current, updates);
    // a concurrent branch won the compare-and-set in between: the retry re-applies to the newer state
    Map<String, Object> newer = merge(current, Map.of("findings", "c", "votes", 10));
    Map<String, Object> retried = merge(newer, updates);
    assertThat(current).isEqualTo(Map.of("findings", List.of("a"), "votes", 1));
    assertThat(first).isEqualTo(Map.of("findings", List.of("a", "b"), "votes", 3L));
    assertThat(retried).isEqualTo(Map.of("findings", List.of("a", "c", "b"), "votes", 13L));
  }

  @Test
  void aValueOfTheWrongTypeNamesTheKeyTheNodeAndTheTypes() {
    assertThatThrownBy(() -> SCHEMA.merged(Map.of(), Map.of("votes", "many"), "counter"))
        .isInstanceOfSatisfying(StateMergeException.class, e -> {
          assertThat(e.node()).isEqualTo("counter");
          assertThat(e.key()).isEqualTo("votes");
          assertThat(e.reducer()).isEqualTo(StateReducer.SUM);
        })
        .hasMessage("node 'counter': state key 'votes' cannot take its update: merge: sum needs numbers, "
            + "but the update is a string");
    assertThatThrownBy(() -> merge(Map.of("findings", "text"), Map.of("findings", "more")))
        .hasMessageEndingWith("merge: append needs a list, but the run state holds a string");
    assertThatThrownBy(() -> merge(Map.of("seen", Map.of()), Map.of("seen", "x")))
        .hasMessageEndingWith("merge: union needs a list, but the run state holds an object");
    assertThatThrownBy(() -> merge(Map.of("best", List.of()), Map.of("best", 1)))
        .hasMessageEndingWith("merge: max needs numbers, but the run state holds a list");
    assertThatThrownBy(() -> merge(Map.of(), Map.of("cheapest", true)))
        .hasMessageEndingWith("merge: min needs numbers, but the update is a boolean");
    assertThatThrownBy(() -> merge(Map.of(), Map.of("profile", List.of(1))))
        .hasMessageEndingWith("merge: merge needs an object, but the update is a list");
  }

  @Test
  void namesAreTheLowerCaseYamlNames() {
    assertThat(StateReducer.of("append")).contains(StateReducer.APPEND);
    assertThat(StateReducer.of("APPEND")).isEmpty();
    assertThat(StateReducer.names()).isEqualTo("replace, append, union, sum, max, min, merge");
  }
}
