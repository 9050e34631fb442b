package io.agentmesh.agents.model;

import static io.agentmesh.agents.model.ScriptedModel.answer;
import static io.agentmesh.agents.model.ScriptedModel.fail;
import static io.agentmesh.agents.model.ScriptedModel.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ResilientChatModelTest {

    private static final ChatRequest REQUEST = ChatRequest.of(List.of(ChatMessage.user("hi")));
    private static final RetryPolicy FAST =
            new RetryPolicy(3, Duration.ofMillis(1), 2.0, Duration.ofMillis(5), Duration.ofSeconds(1));

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ModelCallListener recorder = new ModelCallListener() {
        @Override
        public void onAttempt(Attempt a) {
            events.add("attempt " + a.endpoint() + "#" + a.number() + (a.succeeded() ? " ok" : " " + a.failure()));
        }

        @Override
        public void onRetryScheduled(String endpoint, int next, Duration delay, ModelException cause) {
            events.add("retry " + endpoint + "#" + next);
        }

        @Override
        public void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {
            events.add("breaker " + endpoint + " " + from + "->" + to);
        }

        @Override
        public void onCallNotPermitted(String endpoint) {
            events.add("rejected " + endpoint);
        }

        @Override
        public void onFallback(String primary, String fallback, ModelException reason) {
            events.add("fallback " + primary + "->" + fallback);
        }
    };

    private ResilientChatModel.Builder resilient(ChatModel primary) {
        return ResilientChatModel.builder(primary).retryPolicy(FAST).listener(recorder).random(new SplittableRandom(3));
    }

    @Test
    void retriesATransientFailureAndReportsTheAttempts() throws Exception {
        ScriptedModel primary = new ScriptedModel("p", serverError(), answer("ok"));
        ChatResponse r = resilient(primary).build().complete(REQUEST);
        assertThat(r.content()).isEqualTo("ok");
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.fallback()).isFalse();
        assertThat(events).containsExactly("attempt p#1 ModelServerException", "retry p#2", "attempt p#2 ok");
        assertThat(r.failedAttempts()).extracting(Attempt::endpoint, Attempt::number, Attempt::failure)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("p", 1, "ModelServerException"));
    }

    @Test
    void fatalFailuresAreNotRetried() {
        ScriptedModel primary = new ScriptedModel("p", fail(n -> new ModelRequestException(n, 400, "bad")));
        ScriptedModel fallback = new ScriptedModel("f", answer("never"));
        assertThatThrownBy(() -> resilient(primary).fallback(fallback).build().complete(REQUEST))
                .isInstanceOf(ModelRequestException.class);
        assertThat(primary.calls).hasValue(1);
        assertThat(fallback.calls).hasValue(0);
    }

    @Test
    void exhaustedRetriesCarryTheAttemptHistory() {
        ScriptedModel primary = new ScriptedModel("p", serverError(), fail(n -> new ModelTimeoutException(n, Duration.ofSeconds(1), null)), serverError());
        assertThatThrownBy(() -> resilient(primary).build().complete(REQUEST))
                .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
                    assertThat(e.attempts()).extracting(Attempt::failure)
                            .containsExactly("ModelServerException", "ModelTimeoutException", "ModelServerException");
                    assertThat(e.attempts()).extracting(Attempt::number).containsExactly(1, 2, 3);
                    assertThat(e.last()).isInstanceOf(ModelServerException.class);
                    assertThat(e.retriable()).isFalse();
                });
    }

    @Test
    void retryAfterBeyondTheLimitEndsRetriesAtOnce() {
        ScriptedModel primary = new ScriptedModel("p", fail(n -> new RateLimitedException(n, Duration.ofMinutes(5), "")));
        assertThatThrownBy(() -> resilient(primary).build().complete(REQUEST)).isInstanceOf(RetriesExhaustedException.class);
        assertThat(primary.calls).hasValue(1);
    }

    @Test
    void fallbackAnswersWhenThePrimaryGivesUpAndSaysSo() throws Exception {
        ScriptedModel primary = new ScriptedModel("p", serverError());
        ScriptedModel fallback = new ScriptedModel("f", answer("from fallback"));
        ChatResponse r = resilient(primary).fallback(fallback).build().complete(REQUEST.withModel("big-model"));
        assertThat(r.content()).isEqualTo("from fallback");
        assertThat(r.fallback()).isTrue();
        assertThat(r.endpoint()).isEqualTo("f");
        assertThat(r.attempts()).isEqualTo(4);
        assertThat(r.failedAttempts()).extracting(Attempt::endpoint).containsExactly("p", "p", "p");
        assertThat(events).contains("fallback p->f");
    }

    @Test
    void fallbackFailureIsAddedToTheHistory() {
        ScriptedModel primary = new ScriptedModel("p", serverError());
        ScriptedModel fallback = new ScriptedModel("f", fail(n -> new ModelConnectionException(n, new java.io.IOException("reset"))));
        assertThatThrownBy(() -> resilient(primary).fallback(fallback).build().complete(REQUEST))
                .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
                    assertThat(e.attempts()).extracting(Attempt::endpoint).containsExactly("p", "p", "p", "f");
                    assertThat(e.last()).isInstanceOf(ModelConnectionException.class);
                });
    }

    @Test
    void breakerOpensFailsFastAndClosesAfterRecovery() throws Exception {
        ScriptedModel primary = new ScriptedModel("p", serverError(), serverError(), serverError(), serverError(), answer("back"));
        ResilientChatModel model = resilient(primary).retryPolicy(RetryPolicy.NONE)
                .circuitBreaker(new CircuitBreakerPolicy(4, 4, 50f, Duration.ofMillis(200), 1)).build();
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> model.complete(REQUEST)).isInstanceOf(RetriesExhaustedException.class);
        }
        assertThat(model.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThatThrownBy(() -> model.complete(REQUEST)).isInstanceOf(CircuitOpenException.class);
        assertThat(primary.calls).hasValue(4); // the fast failure made no call
        Thread.sleep(250);
        assertThat(model.complete(REQUEST).content()).isEqualTo("back");
        assertThat(model.circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(events).containsSubsequence("breaker p CLOSED->OPEN", "rejected p", "breaker p OPEN->HALF_OPEN",
                "breaker p HALF_OPEN->CLOSED");
    }

    @Test
    void schemaViolationsAndBadRequestsDoNotOpenTheBreaker() {
        ScriptedModel primary = new ScriptedModel("p",
                fail(n -> new OutputValidationException(n, "s", List.of("$.x: missing"))));
        ResilientChatModel model = resilient(primary).retryPolicy(RetryPolicy.NONE)
                .circuitBreaker(new CircuitBreakerPolicy(2, 2, 50f, Duration.ofSeconds(10), 1)).build();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> model.complete(REQUEST)).isInstanceOf(RetriesExhaustedException.class);
        }
        assertThat(model.circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void openBreakerSendsStraightToTheFallback() throws Exception {
        ScriptedModel primary = new ScriptedModel("p", serverError());
        ScriptedModel fallback = new ScriptedModel("f", answer("spare"));
        ResilientChatModel model = resilient(primary).fallback(fallback)
                .circuitBreaker(new CircuitBreakerPolicy(2, 2, 50f, Duration.ofSeconds(10), 1)).build();
        model.complete(REQUEST);                       // 2 primary failures open the breaker, 3rd try is rejected
        assertThat(primary.calls).hasValue(2);
        ChatResponse r = model.complete(REQUEST);      // open: no primary call at all
        assertThat(primary.calls).hasValue(2);
        assertThat(r.fallback()).isTrue();
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheCall() throws Exception {
        ModelCallListener broken = new ModelCallListener() {
            @Override
            public void onAttempt(Attempt attempt) {
                throw new IllegalStateException("listener bug");
            }
        };
        ScriptedModel primary = new ScriptedModel("p", serverError(), answer("ok"));
        assertThat(ResilientChatModel.builder(primary).retryPolicy(FAST).listener(broken).build().complete(REQUEST).content())
                .isEqualTo("ok");
    }

    @Test
    void interruptDuringBackoffStopsTheCall() throws Exception {
        ScriptedModel primary = new ScriptedModel("p", serverError());
        ResilientChatModel model = ResilientChatModel.builder(primary)
                .retryPolicy(new RetryPolicy(5, Duration.ofSeconds(5), 1.0, Duration.ofSeconds(5), Duration.ZERO))
                .random(new java.util.random.RandomGenerator() {
                    @Override
                    public long nextLong() {
                        return 0;
                    }

                    @Override
                    public long nextLong(long bound) {
                        return bound - 1; // always the longest delay
                    }
                }).build();
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                model.complete(REQUEST);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        Thread.sleep(100);
        t.interrupt();
        t.join(2_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(ModelInterruptedException.class);
    }

    @Test
    void theRequestsDeadlineEndsTheRetriesAndSkipsTheFallback() {
        // Retry-After 30 s, honoured: without the deadline the call would sleep 30 s before its second attempt
        ScriptedModel primary = new ScriptedModel("p", fail(n -> new RateLimitedException(n, Duration.ofSeconds(30), "")));
        ScriptedModel fallback = new ScriptedModel("f", answer("too late"));
        ResilientChatModel model = resilient(primary).fallback(fallback)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), 2.0, Duration.ofMillis(5), Duration.ofMinutes(1)))
                .build();
        java.time.Instant deadline = java.time.Instant.now().plusMillis(300);
        long start = System.nanoTime();

        assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("hi").deadline(deadline).build()))
                .isInstanceOfSatisfying(ModelDeadlineException.class, e -> assertThat(e.deadline()).isEqualTo(deadline));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(primary.calls).as("no attempt after the deadline").hasValue(1);
        assertThat(fallback.calls).hasValue(0);
        assertThat(events).containsExactly("attempt p#1 RateLimitedException", "retry p#2");
    }

    @Test
    void aRequestWhoseDeadlineHasPassedCallsNothing() {
        ScriptedModel primary = new ScriptedModel("p", answer("never"));
        assertThatThrownBy(() -> resilient(primary).build()
                .complete(ChatRequest.builder().user("hi").deadline(java.time.Instant.now().minusSeconds(1)).build()))
                .isInstanceOf(ModelDeadlineException.class);
        assertThat(primary.calls).hasValue(0);
    }
}
