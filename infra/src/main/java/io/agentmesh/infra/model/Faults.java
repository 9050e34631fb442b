package io.agentmesh.infra.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a simulated model fails, and how.
 *
 * <p>Each rate is the probability that one request suffers that fault. One uniform draw per
 * request decides, so each kind happens at exactly its own rate and at most one fault hits a
 * request; the rates must therefore add up to 1 at most.
 *
 * @param error500     rate of HTTP 500 answers
 * @param rateLimit429 rate of HTTP 429 answers
 * @param retryAfter   what a 429 puts in {@code Retry-After} (whole seconds, rounded up)
 * @param hang         rate of requests that get no answer in time
 * @param hangFor      how long a hung request waits before it answers normally; zero means never
 *                     (until the client gives up and closes the connection)
 * @param malformed    rate of HTTP 200 answers whose body is not valid JSON
 */
public record Faults(double error500, double rateLimit429, Duration retryAfter, double hang, Duration hangFor,
                     double malformed) {

    private static final Faults NONE = new Faults(0, 0, Duration.ofSeconds(1), 0, Duration.ZERO, 0);

    public Faults {
        rate("faults.error500", error500);
        rate("faults.rateLimit429", rateLimit429);
        rate("faults.hang", hang);
        rate("faults.malformed", malformed);
        Objects.requireNonNull(retryAfter, "faults.retryAfter");
        Objects.requireNonNull(hangFor, "faults.hangFor");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("faults.retryAfter must not be negative, got " + retryAfter);
        }
        if (hangFor.isNegative()) {
            throw new IllegalArgumentException("faults.hangFor must not be negative, got " + hangFor);
        }
        double sum = error500 + rateLimit429 + hang + malformed;
        if (sum > 1 + 1e-9) {
            throw new IllegalArgumentException("faults: the rates add up to " + sum + ", more than 1");
        }
    }

    /** No faults at all. */
    public static Faults none() {
        return NONE;
    }

    public Faults withError500(double rate) {
        return new Faults(rate, rateLimit429, retryAfter, hang, hangFor, malformed);
    }

    public Faults withRateLimit429(double rate) {
        return new Faults(error500, rate, retryAfter, hang, hangFor, malformed);
    }

    public Faults withRetryAfter(Duration value) {
        return new Faults(error500, rateLimit429, value, hang, hangFor, malformed);
    }

    public Faults withHang(double rate) {
        return new Faults(error500, rateLimit429, retryAfter, rate, hangFor, malformed);
    }

    public Faults withHangFor(Duration value) {
        return new Faults(error500, rateLimit429, retryAfter, hang, value, malformed);
    }

    public Faults withMalformed(double rate) {
        return new Faults(error500, rateLimit429, retryAfter, hang, hangFor, rate);
    }

    /** The fault for a request whose uniform draw is {@code u}, or null for none. */
    FaultKind decide(double u) {
        double edge = error500;
        if (u < edge) {
            return FaultKind.ERROR_500;
        }
        edge += rateLimit429;
        if (u < edge) {
            return FaultKind.RATE_LIMIT_429;
        }
        edge += hang;
        if (u < edge) {
            return FaultKind.HANG;
        }
        edge += malformed;
        if (u < edge) {
            return FaultKind.MALFORMED;
        }
        return null;
    }

    private static void rate(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(field + " must be a rate in [0, 1], got " + value);
        }
    }
}
