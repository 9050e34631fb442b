package io.agentmesh.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class HostCpuTest {

  @Test
  void stealIsTheStolenShareOfTheTicksBetweenTwoReadings() {
    HostCpu earlier = new HostCpu(10_000, 300);
    HostCpu later = new HostCpu(12_000, 800);

    assertThat(later.stealPercentSince(earlier)).isEqualTo(25.0);
    assertThat(HostCpu.stealPercent(earlier, new HostCpu(10_003, 301))).as("rounded to 0.01").isEqualTo(33.33);
    assertThat(earlier.stealPercentSince(earlier)).as("no ticks passed").isZero();
    assertThat(HostCpu.stealPercent(null, later)).isNull();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void readsThisMachinesTicks() {
    HostCpu now = HostCpu.now();

    assertThat(now).isNotNull();
    assertThat(now.total()).isPositive();
    assertThat(now.steal()).isBetween(0L, now.total());
  }
}
