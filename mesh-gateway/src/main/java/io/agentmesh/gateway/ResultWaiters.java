package io.agentmesh.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sync calls this instance holds, by run id. The results reader completes them from its own
 * thread, a poll's worth at a time ({@link Completions}); each completion runs on the waiting
 * request's event loop. At most {@code max} wait at once: {@link #await} returns null beyond that.
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
  }

  /**
   * The completions of one read of the results topics, handed to the event loops with one task per
   * event loop rather than one per result. Results arrive in bursts (a worker's commit makes a whole
   * pass readable at once, 60-150 results at 1,000 runs/s), and each task handed to an event loop
   * from another thread may wake it (a system call): the largest item in the results reader's
   * profile (BENCHMARKS.md Run H). Used by one thread; {@link #dispatch} once, after the read.
   */
  final class Completions {
    private final Map<Context, List<Runnable>> byContext = new HashMap<>();

    /** Takes every wait on the run; they complete with {@code result} (JSON) when dispatched. */
    void add(String runId, Buffer result) {
      List<Waiter> waiters = byRun.remove(runId);
      if (waiters != null) {
        for (Waiter w : waiters) {
          count.decrementAndGet();
          byContext.computeIfAbsent(w.context, c -> new ArrayList<>()).add(() -> w.promise.tryComplete(result));
        }
      }
    }

    void dispatch() {
      byContext.forEach((context, tasks) -> context.runOnContext(v -> tasks.forEach(Runnable::run)));
      byContext.clear();
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

  /** A batch of completions to fill and dispatch (one per read of the results topics). */
  Completions completions() {
    return new Completions();
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
