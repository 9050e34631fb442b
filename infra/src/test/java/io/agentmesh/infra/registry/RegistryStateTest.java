package io.agentmesh.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.registry.StoreRecord.ConfigEntry;
import io.agentmesh.infra.registry.StoreRecord.ConfigRemoved;
import io.agentmesh.infra.registry.StoreRecord.SchemaEntry;
import io.agentmesh.infra.registry.StoreRecord.SchemaRemoved;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryStateTest {

  private final RegistryState state = new RegistryState();

  private void replay(StoreRecord... records) {
    for (StoreRecord r : records) {
      // every record goes through the topic's byte form, as on a real read
      state.apply(StoreRecord.decode(r.key(), r.value()).orElseThrow());
    }
  }

  @Test
  void rebuildsSubjectsVersionsAndIdsFromTheLog() {
    replay(new SchemaEntry("a", 1, 1, "\"string\"", false), new SchemaEntry("a", 2, 2, "\"int\"", false),
        new SchemaEntry("b", 1, 1, "\"string\"", false));
    assertThat(state.subjects(false)).containsExactly("a", "b");
    assertThat(state.versions("a", false)).extracting(SchemaEntry::version).containsExactly(1, 2);
    assertThat(state.idOf("\"string\"")).contains(1);
    assertThat(state.nextId()).isEqualTo(3);
  }

  @Test
  void hidesSoftDeletedVersionsAndForgetsHardDeletedOnes() {
    replay(new SchemaEntry("a", 1, 1, "\"string\"", false), new SchemaEntry("a", 1, 1, "\"string\"", true));
    assertThat(state.subjects(false)).isEmpty();
    assertThat(state.subjects(true)).containsExactly("a");
    assertThat(state.schema(1)).contains("\"string\"");
    replay(new SchemaRemoved("a", 1));
    assertThat(state.subjects(true)).isEmpty();
    assertThat(state.schema(1)).isEmpty();
    assertThat(state.nextId()).as("ids are never reused").isEqualTo(2);
  }

  @Test
  void firstSchemaGivenAnIdKeepsItWhenTwoWritersRace() {
    replay(new SchemaEntry("a", 1, 7, "\"string\"", false), new SchemaEntry("b", 1, 7, "\"int\"", false));
    assertThat(state.schema(7)).contains("\"string\"");
    assertThat(state.subjects(true)).containsExactly("a");
  }

  @Test
  void appliesGlobalAndSubjectCompatibility() {
    assertThat(state.globalLevel()).isEqualTo(CompatibilityLevel.BACKWARD);
    replay(new ConfigEntry(null, CompatibilityLevel.FULL), new ConfigEntry("a", CompatibilityLevel.NONE));
    assertThat(state.effectiveLevel("a")).isEqualTo(CompatibilityLevel.NONE);
    assertThat(state.effectiveLevel("b")).isEqualTo(CompatibilityLevel.FULL);
    replay(new ConfigRemoved("a"));
    assertThat(state.effectiveLevel("a")).isEqualTo(CompatibilityLevel.FULL);
  }

  @Test
  void skipsKeyTypesItDoesNotWrite() {
    assertThat(StoreRecord.decode("{\"keytype\":\"NOOP\",\"magic\":0}".getBytes(), null)).isEmpty();
    assertThat(StoreRecord.decode("not json".getBytes(), "x".getBytes())).isEmpty();
    assertThat(List.of(state.subjects(true))).containsExactly(List.of());
  }
}
