package io.agentmesh.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisKeysTest {

  private final RedisKeys keys = new RedisKeys("mesh");

  @Test
  void everyKeyOfARunCarriesTheRunIdAsHashTag() {
    List<String> all = List.of(
        keys.run("r1"), keys.state("r1"), keys.checkpoint("r1", "writer", "in-1"),
        keys.claim("r1", "writer", "in-1"), keys.toolEffect("r1", "writer", "in-1", "call-7"),
        keys.memory("r1", "writer"), keys.blob("r1", "ab"));
    assertThat(all).allSatisfy(key -> assertThat(key).startsWith("mesh:{r1}:"));
    assertThat(all.stream().map(SlotHash::getSlot).distinct()).hasSize(1);
    assertThat(all).doesNotHaveDuplicates();
  }

  @Test
  void encodesSegmentsSoTheyCannotForgeSeparatorsOrHashTags() {
    assertThat(keys.checkpoint("r1", "a:b", "c")).isEqualTo("mesh:{r1}:ckpt:a%3Ab:c");
    assertThat(keys.checkpoint("r1", "a", "b:c")).isNotEqualTo(keys.checkpoint("r1", "a:b", "c"));
    assertThat(keys.memory("r1", "{x}")).isEqualTo("mesh:{r1}:mem:%7Bx%7D");
    assertThat(keys.memory("r1", "é")).isEqualTo("mesh:{r1}:mem:%C3%A9");
    assertThat(keys.memory("r1", "50%")).isEqualTo("mesh:{r1}:mem:50%25");
  }

  @Test
  void aRateBucketIsHashTaggedByItsCallerWhateverTheName() {
    assertThat(keys.rateBucket("key:ci")).isEqualTo("mesh:{rate:key%3Aci}:rate");
    assertThat(keys.rateBucket("jwt:}{evil")).isEqualTo("mesh:{rate:jwt%3A%7D%7Bevil}:rate");
    assertThat(SlotHash.getSlot(keys.rateBucket("key:a"))).isEqualTo(SlotHash.getSlot("{rate:key%3Aa}"));
  }

  @Test
  void rejectsRunIdsThatWouldBreakTheHashTag() {
    assertThatThrownBy(() -> keys.run("a}b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a}b");
    assertThatThrownBy(() -> keys.run(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> keys.checkpoint("r", "", "i")).hasMessageContaining("node");
  }

  @Test
  void configRejectsNonsenseNamingTheSetting() {
    assertThat(StateConfig.defaults().ttl()).isEqualTo(Duration.ofDays(7));
    assertThat(StateConfig.defaults().claimCheckThreshold()).isEqualTo(256 * 1024);
    assertThatThrownBy(() -> StateConfig.defaults().withTtl(Duration.ZERO)).hasMessageContaining("ttl");
    assertThatThrownBy(() -> StateConfig.defaults().withClaimCheckThreshold(0)).hasMessageContaining("claimCheckThreshold");
    assertThatThrownBy(() -> StateConfig.defaults().withKeyPrefix("a b")).hasMessageContaining("keyPrefix");
  }

  @Test
  void runCompleteScriptKnowsNothingOfStatusNames() {
    // the terminal statuses are passed in by RunRecords, so the enum stays the one source
    for (RunStatus status : RunStatus.values()) {
      assertThat(LuaScript.RUN_COMPLETE.source()).doesNotContain(status.name());
    }
  }
}
