package io.agentmesh.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngressJsonTest {

  private static TaskInput parse(String json) {
    return IngressJson.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheFullEnvelope() {
    TaskInput task = parse("""
        {"runId": "r-1", "input": {"question": "why?"}, "metadata": {"tenant": "acme", "n": 3},
         "deadline": "2026-11-21T10:15:30Z", "idempotencyKey": "k-1"}""");

    assertThat(task.enveloped()).isTrue();
    assertThat(task.runId()).contains("r-1");
    assertThat(task.input().get("question").asText()).isEqualTo("why?");
    assertThat(task.metadata()).isEqualTo(Map.of("tenant", "acme", "n", "3"));
    assertThat(task.deadline()).contains(Instant.parse("2026-11-21T10:15:30Z"));
    assertThat(task.idempotencyKey()).contains("k-1");
    assertThat(new String(task.inputBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"question\":\"why?\"}");
  }

  @Test
  void envelopeWithOnlyInputLeavesTheRestAbsent() {
    TaskInput task = parse("{\"input\": \"hello\"}");

    assertThat(task.enveloped()).isTrue();
    assertThat(task.input().asText()).isEqualTo("hello");
    assertThat(task.runId()).isEmpty();
    assertThat(task.deadline()).isEmpty();
    assertThat(task.metadata()).isEmpty();
  }

  @Test
  void plainObjectIsTheInputItself() {
    TaskInput task = parse("{\"question\": \"what is Kafka?\"}");

    assertThat(task.enveloped()).isFalse();
    assertThat(task.input().get("question").asText()).isEqualTo("what is Kafka?");
  }

  @Test
  void objectWithInputAndForeignMembersIsPlainInput() {
    TaskInput task = parse("{\"input\": 1, \"question\": \"q\"}");

    assertThat(task.enveloped()).isFalse();
    assertThat(task.input().has("question")).isTrue();
  }

  @Test
  void scalarsAndArraysArePlainInput() {
    assertThat(parse("\"just text\"").input().asText()).isEqualTo("just text");
    assertThat(parse("[1,2]").input().size()).isEqualTo(2);
  }

  @Test
  void invalidJsonNamesTheByteOffset() {
    assertThatThrownBy(() -> parse("{\"input\": [1, 2,, 3]}"))
        .isInstanceOf(IngressFormatException.class)
        .hasMessageContaining("invalid JSON at byte offset 16")
        .satisfies(e -> assertThat(((IngressFormatException) e).byteOffset()).isEqualTo(16));
  }

  @Test
  void trailingGarbageIsRejected() {
    assertThatThrownBy(() -> parse("{\"a\":1} x"))
        .isInstanceOf(IngressFormatException.class)
        .hasMessageContaining("invalid JSON at byte offset");
  }

  @Test
  void emptyMessageIsRejected() {
    assertThatThrownBy(() -> IngressJson.parse(new byte[0]))
        .isInstanceOf(IngressFormatException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void badDeadlineNamesTheMember() {
    assertThatThrownBy(() -> parse("{\"input\": 1, \"deadline\": \"tomorrow\"}"))
        .isInstanceOf(IngressFormatException.class)
        .hasMessageContaining("'deadline'")
        .hasMessageContaining("tomorrow");
  }

  @Test
  void wrongTypeOfRunIdNamesTheMember() {
    assertThatThrownBy(() -> parse("{\"input\": 1, \"runId\": 7}"))
        .isInstanceOf(IngressFormatException.class)
        .hasMessageContaining("'runId' must be a string, was number");
  }
}
