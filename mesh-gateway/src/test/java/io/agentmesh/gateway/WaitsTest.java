package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WaitsTest {

  @Test
  void readsShortFormsSecondsAndIso() {
    assertThat(Waits.parse("500ms")).contains(Duration.ofMillis(500));
    assertThat(Waits.parse("30s")).contains(Duration.ofSeconds(30));
    assertThat(Waits.parse("2m")).contains(Duration.ofMinutes(2));
    assertThat(Waits.parse("15")).contains(Duration.ofSeconds(15));
    assertThat(Waits.parse("PT1M30S")).contains(Duration.ofSeconds(90));
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(Waits.parse("")).isEmpty();
    assertThat(Waits.parse("forever")).isEmpty();
    assertThat(Waits.parse("-1")).isEmpty();
    assertThat(Waits.parse("1h")).isEmpty();
    assertThat(Waits.parse("99999999999")).isEmpty();
    assertThat(Waits.parse("PTxS")).isEmpty();
  }
}
