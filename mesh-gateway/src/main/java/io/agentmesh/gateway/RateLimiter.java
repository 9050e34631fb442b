package io.agentmesh.gateway;

import io.agentmesh.core.state.RateBuckets.Take;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-caller rate limit. The shared bucket in Redis decides ({@code RateBuckets}: one limit
 * for every gateway on that Redis); when Redis fails or does not answer within the timeout, this
 * instance's own bucket for the caller decides instead, counted as a fallback and logged once per
 * outage. The limit then degrades to N instances times the rate, never to no limit (D-017).
 * Nothing here blocks: the shared check is one asynchronous script call.
 */
final class RateLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  private static final int SWEEP_ABOVE = 10_000;

  /** The shared check, by caller name: a stage of the Redis script's answer. */
  @FunctionalInterface
  interface SharedBuckets {
    CompletionStage<Take> take(String caller, double ratePerSecond, int burst);
  }

  private final double ratePerSecond;
  private final int burst;
  private final SharedBuckets shared;
  private final Duration timeout;
  private final LongSupplier nanoTime;
  private final GatewayMetrics metrics;
  private final ConcurrentMap<String, TokenBucket> local = new ConcurrentHashMap<>();
  private final AtomicBoolean degraded = new AtomicBoolean();

  RateLimiter(Limits limits, SharedBuckets shared, Duration timeout, LongSupplier nanoTime, GatewayMetrics metrics) {
    this.ratePerSecond = limits.ratePerSecond();
    this.burst = limits.burst();
    this.shared = shared;
    this.timeout = timeout;
    this.nanoTime = nanoTime;
    this.metrics = metrics;
  }

  /** Takes a token for {@code caller}: allowed, or refused with the wait until one will be free. */
  CompletionStage<Take> acquire(String caller) {
    if (ratePerSecond == 0) {
      return CompletableFuture.completedFuture(new Take(true, 0));
    }
    CompletableFuture<Take> answer;
    try {
      answer = shared.take(caller, ratePerSecond, burst).toCompletableFuture();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((take, error) -> {
      if (error == null) {
        if (degraded.compareAndSet(true, false)) {
          LOG.info("Redis answers rate checks again: the rate limit is shared by every gateway");
        }
        return take;
      }
      return alone(caller, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
    });
  }

  private Take alone(String caller, Throwable error) {
    String cause = error instanceof TimeoutException ? "timeout" : "error";
    metrics.rateLimitFallback(cause);
    if (degraded.compareAndSet(false, true)) {
      LOG.warn("Redis did not answer a rate check ({}): each gateway limits callers alone until it does, "
          + "so the limit is per instance meanwhile", cause.equals("timeout") ? "no answer within " + timeout : error.toString());
    }
    long now = nanoTime.getAsLong();
    if (local.size() > SWEEP_ABOVE) {
      local.values().removeIf(bucket -> bucket.isFull(now));
    }
    long waitNanos = local.computeIfAbsent(caller, c -> new TokenBucket(ratePerSecond, burst, now)).tryTake(now);
    return waitNanos == 0 ? new Take(true, 0) : new Take(false, Math.max(1, (waitNanos + 999) / 1_000));
  }
}
