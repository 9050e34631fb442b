package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class WorkerWakeupsTest {

  @Test
  void retriesACallThatWakeupsInterruptForLongerThanAHundredTightAttemptsTake() {
    // as the consumer does while the woken call's request is in flight: every retry fails at once
    long answersAt = System.nanoTime() + Duration.ofMillis(40).toNanos();
    AtomicInteger calls = new AtomicInteger();
    String answer = Worker.retryingWakeups(() -> {
      calls.incrementAndGet();
      if (System.nanoTime() < answersAt) {
        throw new WakeupException();
      }
      return "committed";
    }, Duration.ofSeconds(5), "test");

    assertThat(answer).isEqualTo("committed");
    assertThat(calls.get()).as("calls in 40 ms, a millisecond apart after the first retry").isLessThan(100);
  }

  @Test
  void givesUpNamingTheCallerWhenWakeupsOutlastItsPatience() {
    assertThatThrownBy(() -> Worker.retryingWakeups(() -> {
      throw new WakeupException();
    }, Duration.ofMillis(50), "worker w-1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("worker w-1: a consumer call between polls was woken ")
        .hasMessageEndingWith(" times in 50 ms")
        .hasCauseInstanceOf(WakeupException.class);
  }
}
