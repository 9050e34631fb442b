package io.agentmesh.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class HostCpuTest {

  @Test
  void stealIsTheStolenShareOfTheTicksBetweenTwoReadings() {
    HostCpu earlier = new HostCpu(10_000, 300, 4_000);
    HostCpu later = new HostCpu(12_000, 800, 4_100);

    assertThat(later.stealPercentSince(earlier)).isEqualTo(25.0);
    assertThat(HostCpu.stealPercent(earlier, new HostCpu(10_003, 301, 4_000))).as("rounded to 0.01").isEqualTo(33.33);
    assertThat(earlier.stealPercentSince(earlier)).as("no ticks passed").isZero();
    assertThat(HostCpu.stealPercent(null, later)).isNull();
  }

  @Test
  void busyIsTheShareOfTheTicksBetweenTwoReadingsNeitherIdleNorStolen() {
    HostCpu earlier = new HostCpu(10_000, 300, 4_000);
    HostCpu later = new HostCpu(12_000, 800, 4_100);

    assertThat(later.busyPercentSince(earlier)).as("2,000 ticks, 100 idle, 500 stolen").isEqualTo(70.0);
    assertThat(HostCpu.busyPercent(earlier, new HostCpu(10_003, 300, 4_001))).as("rounded to 0.01").isEqualTo(66.67);
    assertThat(earlier.busyPercentSince(earlier)).as("no ticks passed").isZero();
    assertThat(HostCpu.busyPercent(earlier, null)).isNull();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void readsThisMachinesTicks() {
    HostCpu now = HostCpu.now();

    assertThat(now).isNotNull();
    assertThat(now.total()).isPositive();
    assertThat(now.steal()).isBetween(0L, now.total());
    assertThat(now.idle()).isBetween(0L, now.total() - now.steal());
  }
}
