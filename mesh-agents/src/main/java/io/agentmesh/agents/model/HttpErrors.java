package io.agentmesh.agents.model;

import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Turns HTTP statuses, headers and I/O failures into the typed {@link ModelException} hierarchy. */
final class HttpErrors {

    private HttpErrors() {
    }

    /**
     * The exception for a non-2xx answer.
     *
     * @param retryAfter   the {@code Retry-After} header, if any
     * @param retryAfterMs the {@code retry-after-ms} header (an OpenAI extension), if any
     */
    static ModelException forStatus(String endpoint, int status, Optional<String> retryAfter,
                                    Optional<String> retryAfterMs, String body, Instant now) {
        String detail = OpenAiJson.errorDetail(body);
        return switch (status) {
            case 429 -> new RateLimitedException(endpoint, retryDelay(retryAfter, retryAfterMs, now), detail);
            case 408 -> new ModelTimeoutException(endpoint, Duration.ZERO, null);
            case 401, 403 -> new ModelAuthenticationException(endpoint, status, detail);
            case 409 -> new ModelServerException(endpoint, status, detail);
            default -> status >= 500
                    ? new ModelServerException(endpoint, status, detail)
                    : new ModelRequestException(endpoint, status, detail);
        };
    }

    /** The exception for a failure to exchange at all. */
    static RetriableModelException forIoFailure(String endpoint, Duration timeout, IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return new ModelConnectionException(endpoint, e);
        }
        if (e instanceof HttpTimeoutException) {
            return new ModelTimeoutException(endpoint, timeout, e);
        }
        // ConnectException (refused), "Connection reset", EOF before headers, closed channels:
        // all say the server or the path to it is unwell, none says the request is wrong.
        return new ModelConnectionException(endpoint, e);
    }

    /** The delay the server asked for: {@code retry-after-ms} wins, then {@code Retry-After}. Null when neither parses. */
    static Duration retryDelay(Optional<String> retryAfter, Optional<String> retryAfterMs, Instant now) {
        if (retryAfterMs.isPresent()) {
            try {
                double ms = Double.parseDouble(retryAfterMs.get().strip());
                if (ms >= 0 && Double.isFinite(ms)) {
                    return Duration.ofNanos((long) (ms * 1_000_000));
                }
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        return retryAfter.map(v -> parseRetryAfter(v, now)).orElse(null);
    }

    /**
     * Parses a {@code Retry-After} value: delay-seconds (RFC 9110; fractions tolerated) or an
     * HTTP-date, which is turned into a delay from {@code now} (never negative). Null when it is neither.
     */
    static Duration parseRetryAfter(String value, Instant now) {
        String v = value.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (Character.isDigit(v.charAt(0))) {
            try {
                double seconds = Double.parseDouble(v);
                return Double.isFinite(seconds) ? Duration.ofMillis((long) Math.ceil(seconds * 1000)) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration delay = Duration.between(now, at);
            return delay.isNegative() ? Duration.ZERO : delay;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
