package io.agentmesh.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {

  static Schema record(String fields) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\",\"fields\":[" + fields + "]}");
  }

  static final Schema V1 = record("{\"name\":\"id\",\"type\":\"string\"}");
  static final Schema WITH_DEFAULT = record(
      "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\",\"default\":0}");
  static final Schema WITHOUT_DEFAULT = record(
      "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}");
  static final Schema RENAMED = record("{\"name\":\"name\",\"type\":\"string\"}");

  @Test
  void addingAFieldWithADefaultIsFullyCompatible() {
    for (CompatibilityLevel level : CompatibilityLevel.values()) {
      assertThat(level.problems(WITH_DEFAULT, List.of(V1))).as(level.name()).isEmpty();
    }
  }

  @Test
  void addingAFieldWithoutADefaultBreaksBackwardButNotForward() {
    assertThat(CompatibilityLevel.BACKWARD.problems(WITHOUT_DEFAULT, List.of(V1)))
        .singleElement().asString().contains("READER_FIELD_MISSING_DEFAULT").contains("age");
    assertThat(CompatibilityLevel.FORWARD.problems(WITHOUT_DEFAULT, List.of(V1))).isEmpty();
    assertThat(CompatibilityLevel.FULL.problems(WITHOUT_DEFAULT, List.of(V1))).isNotEmpty();
    assertThat(CompatibilityLevel.NONE.problems(WITHOUT_DEFAULT, List.of(V1))).isEmpty();
  }

  @Test
  void transitiveLevelsCheckEveryEarlierVersionPlainOnesOnlyTheLatest() {
    List<Schema> history = List.of(RENAMED, V1);
    Schema candidate = V1;
    assertThat(CompatibilityLevel.BACKWARD.problems(candidate, history)).isEmpty();
    assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.problems(candidate, history)).isNotEmpty();
  }

  @Test
  void parsesLevelsCaseInsensitivelyAndRejectsUnknownWith42203() {
    assertThat(CompatibilityLevel.parse("full_transitive")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
    assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42203))
        .hasMessageContaining("SIDEWAYS");
  }
}
