package io.agentmesh.infra.model;

import java.time.Duration;
import java.util.Objects;

/** How long a simulated model takes before it answers: fixed, uniform or lognormal. */
public sealed interface Latency permits Latency.Fixed, Latency.Uniform, Latency.LogNormal {

    /** Answers at once. */
    static Latency none() {
        return new Fixed(Duration.ZERO);
    }

    /** Always the same delay. */
    static Latency fixed(Duration value) {
        return new Fixed(value);
    }

    /** A delay drawn uniformly from [min, max]. */
    static Latency uniform(Duration min, Duration max) {
        return new Uniform(min, max);
    }

    /** A lognormal delay: half the calls take less than {@code median}; {@code sigma} is the spread of ln(delay). */
    static Latency lognormal(Duration median, double sigma) {
        return new LogNormal(median, sigma);
    }

    /**
     * Draws one delay in microseconds.
     *
     * @param u1 a uniform number in [0, 1)
     * @param u2 another, independent one (used by distributions that need two)
     */
    long sampleMicros(double u1, double u2);

    /** A constant delay. */
    record Fixed(Duration value) implements Latency {
        public Fixed {
            requireNonNegative("latency.value", value);
        }

        @Override
        public long sampleMicros(double u1, double u2) {
            return micros(value);
        }
    }

    /** A delay uniform in [min, max]. */
    record Uniform(Duration min, Duration max) implements Latency {
        public Uniform {
            requireNonNegative("latency.min", min);
            requireNonNegative("latency.max", max);
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("latency.max (" + max + ") is below latency.min (" + min + ")");
            }
        }

        @Override
        public long sampleMicros(double u1, double u2) {
            long lo = micros(min);
            return lo + (long) (u1 * (micros(max) - lo));
        }
    }

    /** A lognormal delay: ln(delay) is normal with mean ln(median) and standard deviation sigma. */
    record LogNormal(Duration median, double sigma) implements Latency {
        public LogNormal {
            requireNonNegative("latency.median", median);
            if (!(sigma >= 0 && sigma <= 5)) {
                throw new IllegalArgumentException("latency.sigma must be in [0, 5], got " + sigma);
            }
        }

        @Override
        public long sampleMicros(double u1, double u2) {
            // Box-Muller: one standard normal from two uniforms.
            double z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
            return Math.round(micros(median) * Math.exp(sigma * z));
        }
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1_000;
    }

    private static void requireNonNegative(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, got " + value);
        }
    }
}
