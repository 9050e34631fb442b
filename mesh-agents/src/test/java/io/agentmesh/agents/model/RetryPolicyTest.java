package io.agentmesh.agents.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy =
            new RetryPolicy(6, Duration.ofMillis(100), 2.0, Duration.ofMillis(500), Duration.ofSeconds(30));

    @Test
    void ceilingGrowsExponentiallyUpToTheCap() {
        assertThat(policy.ceiling(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.ceiling(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.ceiling(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.ceiling(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.ceiling(60)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void fullJitterSpreadsDelaysOverTheWholeRange() {
        RandomGenerator random = new SplittableRandom(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = policy.delay(3, null, random).toMillis();
            assertThat(d).isBetween(0L, 400L);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isLessThan(20);
        assertThat(max).isGreaterThan(380);
    }

    @Test
    void retryAfterWinsWhenLongerThanTheJitteredDelay() {
        RandomGenerator random = new SplittableRandom(1);
        assertThat(policy.delay(1, Duration.ofSeconds(2), random)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.delay(1, Duration.ZERO, random)).isLessThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void rejectsSettingsThatCannotWorkNamingThem() {
        assertThatThrownBy(() -> policy.withMaxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1), Duration.ZERO))
                .hasMessageContaining("maxDelay");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ZERO, 0.5, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("multiplier");
    }

    @Test
    void noRetryPolicyMakesOneAttemptWithoutDelay() {
        assertThat(RetryPolicy.NONE.maxAttempts()).isEqualTo(1);
        assertThat(RetryPolicy.NONE.delay(1, null, new SplittableRandom())).isZero();
    }
}
