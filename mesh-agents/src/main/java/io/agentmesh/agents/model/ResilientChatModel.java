package io.agentmesh.agents.model;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} that makes another one dependable: retries with backoff and jitter, a circuit
 * breaker, and an optional fallback model.
 *
 * <p>Design. One instance per model endpoint (the runtime shares it between the nodes that use that
 * model), so the breaker is per endpoint. Per call: up to {@link RetryPolicy#maxAttempts()} calls of
 * the primary, sleeping between them (cheap on a virtual thread); a retriable failure is retried, a
 * fatal one is thrown at once (a 400 or 401 fails the fallback just the same). Each call first asks
 * the breaker for permission; when it is open the call fails fast with {@link CircuitOpenException},
 * which is no model call, and the retries stop. Then, when there is a fallback, it gets the request
 * (with the model id cleared so the fallback uses its own) and the answer says it came from there.
 * Otherwise a {@link RetriesExhaustedException} carries the attempt history, or, when the breaker
 * was open before any call, the {@link CircuitOpenException} itself. A request with a deadline ends by
 * it: no delay sleeps past it, and an attempt or the fallback due after it throws
 * {@link ModelDeadlineException} instead. Resilience4j supplies the
 * breaker's sliding window and state machine and the retry loop; we supply the delays (full jitter,
 * Retry-After) and the classification.
 */
public final class ResilientChatModel implements ChatModel {

    private static final Logger LOG = LoggerFactory.getLogger(ResilientChatModel.class);
    /**
     * The deadline of the request whose retries run on this thread, for the delay function, which
     * Resilience4j shares between calls and gives no request.
     */
    private static final ThreadLocal<Instant> CALL_DEADLINE = new ThreadLocal<>();

    private final ChatModel primary;
    private final ChatModel fallback;
    private final RetryPolicy retryPolicy;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final ModelCallListener listener;

    private ResilientChatModel(Builder b) {
        this.primary = b.primary;
        this.fallback = b.fallback;
        this.retryPolicy = b.retryPolicy;
        this.listener = b.listener;
        RandomGenerator random = b.random;
        RetryPolicy policy = b.retryPolicy;
        IntervalBiFunction<ChatResponse> delays = (retryNumber, outcome) -> {
            Duration retryAfter = outcome.isLeft() && outcome.getLeft() instanceof RateLimitedException r
                    ? r.retryAfter().orElse(null) : null;
            long millis = policy.delay(retryNumber, retryAfter, random).toMillis();
            Instant deadline = CALL_DEADLINE.get();
            // never sleep past the request's deadline: wake just after it, and the next attempt ends the call
            return deadline == null ? millis
                    : Math.min(millis, Math.max(0, Duration.between(Instant.now(), deadline).toMillis() + 1));
        };
        this.retry = Retry.of(primary.name(), RetryConfig.<ChatResponse>custom()
                .maxAttempts(policy.maxAttempts())
                .intervalBiFunction(delays)
                .retryOnException(e -> isRetried(e, policy))
                .build());
        retry.getEventPublisher().onRetry(event -> notify(l -> l.onRetryScheduled(primary.name(),
                event.getNumberOfRetryAttempts() + 1, event.getWaitInterval(),
                (ModelException) event.getLastThrowable())));
        if (b.breakerPolicy == null) {
            this.breaker = null;
        } else {
            CircuitBreakerPolicy p = b.breakerPolicy;
            this.breaker = CircuitBreaker.of(primary.name(), CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .slidingWindowSize(p.windowSize())
                    .minimumNumberOfCalls(p.minimumCalls())
                    .failureRateThreshold(p.failureRatePercent())
                    .waitDurationInOpenState(p.waitInOpen())
                    .permittedNumberOfCallsInHalfOpenState(p.halfOpenCalls())
                    .automaticTransitionFromOpenToHalfOpenEnabled(false)
                    .recordException(ResilientChatModel::countsAgainstBreaker)
                    .ignoreException(e -> !countsAgainstBreaker(e))
                    .build());
            breaker.getEventPublisher().onStateTransition(event -> notify(l -> l.onCircuitStateChange(
                    primary.name(), state(event.getStateTransition().getFromState()),
                    state(event.getStateTransition().getToState()))));
        }
    }

    /** A builder around {@code primary}. */
    public static Builder builder(ChatModel primary) {
        return new Builder(primary);
    }

    @Override
    public String name() {
        return primary.name();
    }

    /** The primary's breaker state ({@link CircuitState#CLOSED} when there is no breaker). */
    public CircuitState circuitState() {
        return breaker == null ? CircuitState.CLOSED : state(breaker.getState());
    }

    @Override
    public ChatResponse complete(ChatRequest request) throws ModelException {
        Objects.requireNonNull(request, "request");
        long start = System.nanoTime();
        List<Attempt> history = new ArrayList<>(retryPolicy.maxAttempts() + 1);
        RetriableModelException primaryFailure;
        Instant outerDeadline = CALL_DEADLINE.get();
        CALL_DEADLINE.set(request.deadline());
        try {
            ChatResponse answer = retry.executeCheckedSupplier(() -> callPrimary(request, history));
            return answer.withDelivery(elapsedSince(start), false, history.subList(0, history.size() - 1));
        } catch (RetriableModelException e) {
            primaryFailure = e;
        } catch (FatalModelException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("unexpected checked exception from " + primary.name(), e);
        } finally {
            CALL_DEADLINE.set(outerDeadline);
        }
        if (Thread.currentThread().isInterrupted()) { // interrupted while sleeping between attempts
            throw new ModelInterruptedException(primary.name(), new InterruptedException("during retry backoff"));
        }
        if (fallback == null) {
            if (history.isEmpty() && primaryFailure instanceof CircuitOpenException open) {
                throw open;
            }
            throw new RetriesExhaustedException(primary.name(), history, primaryFailure);
        }
        return callFallback(request, history, primaryFailure, start);
    }

    private ChatResponse callPrimary(ChatRequest request, List<Attempt> history) throws ModelException {
        checkDeadline(request, primary);
        if (breaker != null && !breaker.tryAcquirePermission()) {
            notify(l -> l.onCallNotPermitted(primary.name()));
            throw new CircuitOpenException(primary.name());
        }
        int number = history.size() + 1;
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        try {
            ChatResponse answer = primary.complete(request);
            long nanos = System.nanoTime() - t0;
            if (breaker != null) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            }
            record(history, Attempt.succeeded(primary.name(), number, startedAt, Duration.ofNanos(nanos)));
            return answer;
        } catch (ModelException | RuntimeException e) {
            long nanos = System.nanoTime() - t0;
            if (breaker != null) {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, e);
            }
            if (e instanceof ModelException me) {
                record(history, Attempt.failed(primary.name(), number, startedAt, Duration.ofNanos(nanos), me));
            }
            throw e;
        }
    }

    private ChatResponse callFallback(ChatRequest request, List<Attempt> history, RetriableModelException reason,
                                      long start) throws ModelException {
        checkDeadline(request, primary);
        notify(l -> l.onFallback(primary.name(), fallback.name(), reason));
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        try {
            ChatResponse answer = fallback.complete(request.withModel(null));
            List<Attempt> failed = new ArrayList<>(history);
            failed.addAll(answer.failedAttempts());
            return answer.withDelivery(elapsedSince(start), true, failed);
        } catch (ModelException e) {
            if (e instanceof RetriesExhaustedException exhausted) {
                history.addAll(exhausted.attempts());
            } else if (!(e instanceof CircuitOpenException)) {
                record(history, Attempt.failed(fallback.name(), 1, startedAt, elapsedSince(t0), e));
            }
            if (e instanceof ModelInterruptedException || e instanceof ModelDeadlineException) {
                throw e;
            }
            RetriesExhaustedException exhausted = new RetriesExhaustedException(primary.name(), history,
                    e instanceof RetriesExhaustedException r ? r.last() : e);
            exhausted.addSuppressed(reason);
            throw exhausted;
        }
    }

    /** Throws when the request's deadline has passed: no further attempt, and no fallback, is made. */
    private static void checkDeadline(ChatRequest request, ChatModel model) throws ModelDeadlineException {
        if (request.deadline() != null && !Instant.now().isBefore(request.deadline())) {
            throw new ModelDeadlineException(model.name(), request.deadline(), null);
        }
    }

    private void record(List<Attempt> history, Attempt attempt) {
        history.add(attempt);
        notify(l -> l.onAttempt(attempt));
    }

    private void notify(java.util.function.Consumer<ModelCallListener> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            LOG.warn("model call listener {} failed; ignored", listener, e);
        }
    }

    /** Whether Resilience4j should call again after {@code e}. */
    static boolean isRetried(Throwable e, RetryPolicy policy) {
        if (!(e instanceof RetriableModelException) || e instanceof CircuitOpenException) {
            return false;
        }
        if (e instanceof RateLimitedException r && r.retryAfter().isPresent()) {
            return r.retryAfter().get().compareTo(policy.maxRetryAfter()) <= 0;
        }
        return true;
    }

    /** Whether {@code e} says the endpoint is unwell (as opposed to the request or the model's output). */
    static boolean countsAgainstBreaker(Throwable e) {
        return e instanceof ModelTimeoutException || e instanceof RateLimitedException
                || e instanceof ModelServerException || e instanceof ModelConnectionException
                || e instanceof ModelProtocolException;
    }

    private static CircuitState state(CircuitBreaker.State s) {
        return switch (s) {
            case OPEN, FORCED_OPEN -> CircuitState.OPEN;
            case HALF_OPEN -> CircuitState.HALF_OPEN;
            case CLOSED, DISABLED, METRICS_ONLY -> CircuitState.CLOSED;
        };
    }

    private static Duration elapsedSince(long nanoStart) {
        return Duration.ofNanos(System.nanoTime() - nanoStart);
    }

    /** Builds a {@link ResilientChatModel}: {@link RetryPolicy#DEFAULT}, {@link CircuitBreakerPolicy#DEFAULT}, no fallback. */
    public static final class Builder {
        private final ChatModel primary;
        private ChatModel fallback;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private CircuitBreakerPolicy breakerPolicy = CircuitBreakerPolicy.DEFAULT;
        private ModelCallListener listener = ModelCallListener.NONE;
        private RandomGenerator random = RandomGenerator.getDefault();

        private Builder(ChatModel primary) {
            this.primary = Objects.requireNonNull(primary, "primary");
        }

        /** The retry policy. */
        public Builder retryPolicy(RetryPolicy value) {
            this.retryPolicy = Objects.requireNonNull(value, "retryPolicy");
            return this;
        }

        /** The breaker policy; null for no breaker. */
        public Builder circuitBreaker(CircuitBreakerPolicy value) {
            this.breakerPolicy = value;
            return this;
        }

        /** A model to ask when the primary gives up or its breaker is open (itself resilient, typically). */
        public Builder fallback(ChatModel value) {
            this.fallback = value;
            return this;
        }

        /** Where attempts, retries, breaker changes and fallbacks are reported. */
        public Builder listener(ModelCallListener value) {
            this.listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /** The jitter source (fixed in tests). */
        public Builder random(RandomGenerator value) {
            this.random = Objects.requireNonNull(value, "random");
            return this;
        }

        /** The model; throws when the fallback is the primary itself. */
        public ResilientChatModel build() {
            if (fallback == primary) {
                throw new IllegalArgumentException("fallback must differ from the primary (" + primary.name() + ")");
            }
            return new ResilientChatModel(this);
        }
    }
}
