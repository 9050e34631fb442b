package io.agentmesh.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sync calls this instance holds, by run id. The results reader completes them from its own
 * thread; each completion hops back to the waiting request's event loop. At most {@code max} wait
 * at once: {@link #await} returns null beyond that.
 */
final class ResultWaiters {

  /** One waiting request. */
  final class Waiter {
    private final String runId;
    private final Context context;
    private final Promise<Buffer> promise = Promise.promise();

    private Waiter(String runId, Context context) {
      this.runId = runId;
      this.context = context;
    }

    Future<Buffer> future() {
      return promise.future();
    }

    /** Stops waiting (timeout, client gone); a no-op once completed. */
    void cancel() {
      remove(this);
    }

    private void complete(Buffer result) {
      context.runOnContext(v -> promise.tryComplete(result));
    }
  }

  private final int max;
  private final ConcurrentMap<String, List<Waiter>> byRun = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  ResultWaiters(int max) {
    this.max = max;
  }

  /** Registers a wait for the run's result, or null when {@code max} calls already wait. */
  Waiter await(String runId, Context context) {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      return null;
    }
    Waiter waiter = new Waiter(runId, context);
    byRun.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>()).add(waiter);
    return waiter;
  }

  /** Completes every wait on the run with its result (JSON). */
  void complete(String runId, Buffer result) {
    List<Waiter> waiters = byRun.remove(runId);
    if (waiters != null) {
      for (Waiter w : waiters) {
        count.decrementAndGet();
        w.complete(result);
      }
    }
  }

  int waiting() {
    return count.get();
  }

  private void remove(Waiter waiter) {
    boolean[] removed = {false};
    byRun.computeIfPresent(waiter.runId, (id, list) -> {
      removed[0] = list.remove(waiter);
      return list.isEmpty() ? null : list;
    });
    if (removed[0]) {
      count.decrementAndGet();
    }
  }
}
