package io.agentmesh.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicNamesTest {

  @Test
  void namesEveryTopicAndGroupOfAGraph() {
    TopicNames names = TopicNames.of("g");
    assertThat(names.ingress()).isEqualTo("mesh.g.ingress");
    assertThat(names.edge("planner", "writer")).isEqualTo("mesh.g.edge.planner.writer");
    assertThat(names.results()).isEqualTo("mesh.g.results");
    assertThat(names.events()).isEqualTo("mesh.g.events");
    assertThat(names.dlq("writer")).isEqualTo("mesh.g.dlq.writer");
    assertThat(names.group("writer")).isEqualTo("mesh.g.writer");
    assertThat(TopicNames.of("acme.prod", "g").ingress()).isEqualTo("acme.prod.g.ingress");
  }

  @Test
  void rejectsNamesKafkaCannotCarryNamingTheNode() {
    assertThat(TopicNames.checkName("node", "writer-2_b")).isEmpty();
    assertThat(TopicNames.checkName("node", "wri ter")).get().asString().contains("node name 'wri ter'");
    assertThat(TopicNames.checkName("node", "a.b")).isPresent();
    assertThat(TopicNames.checkName("node", "x".repeat(81))).get().asString().contains("longer than 80");
    assertThatThrownBy(() -> TopicNames.of("g").dlq("bad/node")).hasMessageContaining("'bad/node'");
    assertThatThrownBy(() -> TopicNames.of(".mesh", "g")).hasMessageContaining("topic prefix");
  }

  @Test
  void readsTheGraphBackFromItsDeadLetterTopics() {
    assertThat(TopicNames.ofDeadLetterTopic("acme.prod.g.dlq.writer").results()).isEqualTo("acme.prod.g.results");
    assertThat(TopicNames.ofDeadLetterTopic("mesh.dlq.dlq.dlq").ingress()).isEqualTo("mesh.dlq.ingress");
    for (String notOne : new String[] {"mesh.g.results", "g.dlq.writer", "mesh.g.dlq.", "mesh.g.dlq.a.b", ".dlq.x"}) {
      assertThatThrownBy(() -> TopicNames.ofDeadLetterTopic(notOne))
          .as(notOne).hasMessageContaining("'" + notOne + "' is not a dead-letter topic (<prefix>.<graph>.dlq.<node>)");
    }
  }
}
