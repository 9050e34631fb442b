package io.agentmesh.agents.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpErrorsTest {

    private static final Instant NOW = Instant.parse("2026-11-05T10:00:00Z");

    private static ModelException status(int code) {
        return HttpErrors.forStatus("llm", code, Optional.empty(), Optional.empty(), "", NOW);
    }

    @Test
    void serverErrorsAndTimeoutsAreRetriable() {
        assertThat(status(500)).isInstanceOf(ModelServerException.class).matches(ModelException::retriable);
        assertThat(status(502)).isInstanceOf(ModelServerException.class);
        assertThat(status(503)).isInstanceOf(ModelServerException.class);
        assertThat(status(409)).isInstanceOf(ModelServerException.class);
        assertThat(status(408)).isInstanceOf(ModelTimeoutException.class).matches(ModelException::retriable);
        assertThat(status(429)).isInstanceOf(RateLimitedException.class).matches(ModelException::retriable);
    }

    @Test
    void clientErrorsAreFatal() {
        assertThat(status(400)).isInstanceOf(ModelRequestException.class).matches(e -> !e.retriable());
        assertThat(status(404)).isInstanceOf(ModelRequestException.class);
        assertThat(status(422)).isInstanceOf(ModelRequestException.class);
        assertThat(status(401)).isInstanceOf(ModelAuthenticationException.class).matches(e -> !e.retriable());
        assertThat(status(403)).isInstanceOf(ModelAuthenticationException.class);
    }

    @Test
    void retryAfterInSecondsIsCarried() {
        ModelException e = HttpErrors.forStatus("llm", 429, Optional.of("3"), Optional.empty(), "", NOW);
        assertThat(((RateLimitedException) e).retryAfter()).contains(Duration.ofSeconds(3));
    }

    @Test
    void retryAfterAsHttpDateBecomesTheDelayFromNow() {
        ModelException e = HttpErrors.forStatus("llm", 429, Optional.of("Thu, 05 Nov 2026 10:00:07 GMT"),
                Optional.empty(), "", NOW);
        assertThat(((RateLimitedException) e).retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(HttpErrors.parseRetryAfter("Thu, 05 Nov 2026 09:59:00 GMT", NOW)).isZero();
    }

    @Test
    void retryAfterMsWinsOverRetryAfter() {
        assertThat(HttpErrors.retryDelay(Optional.of("5"), Optional.of("1500"), NOW)).isEqualTo(Duration.ofMillis(1500));
        assertThat(HttpErrors.retryDelay(Optional.of("5"), Optional.of("soon"), NOW)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void unreadableRetryAfterIsIgnored() {
        assertThat(HttpErrors.parseRetryAfter("later", NOW)).isNull();
        assertThat(HttpErrors.parseRetryAfter("", NOW)).isNull();
        assertThat(HttpErrors.parseRetryAfter("1.5", NOW)).isEqualTo(Duration.ofMillis(1500));
        ModelException e = HttpErrors.forStatus("llm", 429, Optional.of("later"), Optional.empty(), "", NOW);
        assertThat(((RateLimitedException) e).retryAfter()).isEmpty();
    }

    @Test
    void errorBodiesGiveTheirMessage() {
        ModelException e = HttpErrors.forStatus("llm", 400, Optional.empty(), Optional.empty(),
                "{\"object\":\"error\",\"message\":\"context too long\",\"code\":400}", NOW);
        assertThat(e).hasMessage("HTTP 400 from llm: context too long");
    }

    @Test
    void ioFailuresAreRetriable() {
        Duration timeout = Duration.ofSeconds(1);
        assertThat(HttpErrors.forIoFailure("llm", timeout, new ConnectException("Connection refused")))
                .isInstanceOf(ModelConnectionException.class);
        assertThat(HttpErrors.forIoFailure("llm", timeout, new IOException("Connection reset")))
                .isInstanceOf(ModelConnectionException.class);
        assertThat(HttpErrors.forIoFailure("llm", timeout, new HttpConnectTimeoutException("connect")))
                .isInstanceOf(ModelConnectionException.class);
        assertThat(HttpErrors.forIoFailure("llm", timeout, new HttpTimeoutException("request timed out")))
                .isInstanceOf(ModelTimeoutException.class);
    }
}
