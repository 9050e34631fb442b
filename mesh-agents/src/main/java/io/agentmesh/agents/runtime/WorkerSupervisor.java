package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the node replicas of one runtime that a fatal error stopped (docs/decisions.md, D-016).
 *
 * <p>A {@link Worker} that meets a fenced or unauthorised producer, or a bug, ends FAILED and stays
 * so. One daemon thread looks at every replica each {@link #TICK}: a FAILED one is closed and, after
 * the policy's backoff, replaced by a fresh worker from the replica's factory (a new transactional
 * id, so the old producer's fencing does not carry over); the records it had in flight come again
 * from the group, as after any crash. A replica that failed the policy's {@code maxFailures} times
 * within its window is left stopped (its circuit is open), logged at ERROR and reported by
 * {@link #openCircuits()}. Only that thread swaps workers; {@link #close()} sets {@code closed} under
 * the same lock a swap takes, so no replacement survives a graceful stop, even one starting during it.
 *
 * <p>Replica lifecycle: RUNNING -> BACKING_OFF (its worker failed) -> RUNNING (replaced), or
 * -> OPEN (circuit open; final).
 *
 * @param <W> the worker type: {@link Worker} in the runtime, a fake in unit tests
 */
final class WorkerSupervisor<W> implements AutoCloseable {

  /** How often the replicas are looked at. */
  static final Duration TICK = Duration.ofMillis(200);

  private static final Logger LOG = LoggerFactory.getLogger(WorkerSupervisor.class);

  /** What the supervisor does with a worker, and whom it tells of a restart. */
  interface Control<W> {

    Worker.State state(W worker);

    Throwable failure(W worker);

    /** Waits until a FAILED worker has closed its clients; stops a running one at once. */
    void dispose(W worker);

    /** A replica of {@code node} was replaced. */
    void restarted(String node);
  }

  /** A replica whose circuit is open: it failed too often and is not restarted again. */
  record OpenCircuit(String node, String replica, int failures, Duration window, Throwable lastFailure) {}

  private enum Phase { RUNNING, BACKING_OFF, OPEN }

  private final String graph;
  private final RestartPolicy policy;
  private final Control<W> control;
  private final LongSupplier nanoTime;
  private final DoubleSupplier jitter;
  private final List<Replica> replicas = new ArrayList<>();
  private volatile ScheduledExecutorService ticker; // null when a test drives check() itself
  private boolean closed;

  WorkerSupervisor(String graph, RestartPolicy policy, Control<W> control, LongSupplier nanoTime, DoubleSupplier jitter) {
    this.graph = Objects.requireNonNull(graph, "graph");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.control = Objects.requireNonNull(control, "control");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.jitter = Objects.requireNonNull(jitter, "jitter");
  }

  /** A supervisor on the system clock with random jitter, looking at its replicas every {@link #TICK} on a daemon thread. */
  static <W> WorkerSupervisor<W> create(String graph, RestartPolicy policy, Control<W> control) {
    WorkerSupervisor<W> supervisor = new WorkerSupervisor<>(graph, policy, control, System::nanoTime,
        () -> ThreadLocalRandom.current().nextDouble());
    supervisor.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("mesh-supervisor-" + graph)
        .unstarted(r));
    supervisor.ticker.scheduleWithFixedDelay(supervisor::checkFenced, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    return supervisor;
  }

  /**
   * Starts a replica's first worker from {@code factory} (which builds and starts one; its errors
   * reach the caller) and supervises it from then on.
   */
  W add(String node, String replica, Supplier<W> factory) {
    W first = factory.get();
    synchronized (this) {
      if (closed) {
        control.dispose(first);
        throw new IllegalStateException("graph " + graph + ": the runtime is closed; replica " + replica + " of node " + node
            + " was not started");
      }
      replicas.add(new Replica(node, replica, factory, first, nanoTime.getAsLong()));
    }
    return first;
  }

  /** A periodic task that throws is never run again: nothing escapes one pass. */
  private void checkFenced() {
    try {
      check();
    } catch (RuntimeException | Error e) {
      LOG.error("graph {}: supervising the workers failed: {}", graph, e.toString(), e);
    }
  }

  /** One pass: notices failed workers and replaces those whose backoff is over. */
  void check() {
    for (Replica replica : snapshot()) {
      if (isClosed()) {
        return;
      }
      switch (replica.phase) {
        case RUNNING -> {
          if (control.state(replica.worker) == Worker.State.FAILED) {
            control.dispose(replica.worker); // its clients are closed before a replacement joins the group
            failed(replica, control.failure(replica.worker));
          }
        }
        case BACKING_OFF -> {
          if (nanoTime.getAsLong() - replica.restartAt >= 0) {
            restart(replica);
          }
        }
        case OPEN -> { }
      }
    }
  }

  private synchronized void failed(Replica replica, Throwable error) {
    long now = nanoTime.getAsLong();
    if (now - replica.startedAt >= policy.healthyAfter().toNanos()) {
      replica.consecutive = 0; // it ran healthy for a while: back to the shortest backoff
    }
    replica.consecutive++;
    replica.lastFailure = error;
    replica.failures.addLast(now);
    while (now - replica.failures.peekFirst() > policy.window().toNanos()) {
      replica.failures.removeFirst();
    }
    if (replica.failures.size() >= policy.maxFailures()) {
      replica.phase = Phase.OPEN;
      LOG.error("graph {}: replica {} of node {} failed {} times within {}; it is not restarted again and the runtime reports"
              + " itself unhealthy (node {} has {} running replicas left in this process). Last failure: {}", graph, replica.name,
          replica.node, replica.failures.size(), policy.window(), replica.node, running(replica.node), String.valueOf(error), error);
      return;
    }
    Duration wait = policy.backoff(replica.consecutive, jitter.getAsDouble());
    replica.restartAt = now + wait.toNanos();
    replica.phase = Phase.BACKING_OFF;
    LOG.warn("graph {}: replica {} of node {} stopped by a fatal error ({}); replacing it in {} ms (failure {} within {}; the"
            + " circuit opens at {})", graph, replica.name, replica.node, String.valueOf(error), wait.toMillis(), replica.failures.size(),
        policy.window(), policy.maxFailures());
  }

  private void restart(Replica replica) {
    W fresh;
    try {
      fresh = replica.factory.get();
    } catch (RuntimeException e) {
      synchronized (this) {
        replica.startedAt = nanoTime.getAsLong();
        failed(replica, e); // the broker may still be unreachable: counts like any failure
      }
      return;
    }
    synchronized (this) {
      if (!closed) {
        replica.worker = fresh;
        replica.startedAt = nanoTime.getAsLong();
        replica.phase = Phase.RUNNING;
        fresh = null;
      }
    }
    if (fresh != null) {
      control.dispose(fresh); // the runtime closed while it started: it must not outlive the stop
      return;
    }
    control.restarted(replica.node);
    LOG.info("graph {}: replica {} of node {} replaced by a fresh worker", graph, replica.name, replica.node);
  }

  private synchronized long running(String node) {
    return replicas.stream().filter(r -> r.node.equals(node) && r.phase == Phase.RUNNING).count();
  }

  private synchronized List<Replica> snapshot() {
    return List.copyOf(replicas);
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /** The current worker of every replica (a failed one until it is replaced). */
  synchronized List<W> workers() {
    return replicas.stream().map(r -> r.worker).toList();
  }

  /** The replicas that failed too often to be restarted again. */
  synchronized List<OpenCircuit> openCircuits() {
    return replicas.stream().filter(r -> r.phase == Phase.OPEN)
        .map(r -> new OpenCircuit(r.node, r.name, r.failures.size(), policy.window(), r.lastFailure)).toList();
  }

  /**
   * Stops supervising: nothing is restarted from now on, and a restart under way ends with its
   * worker disposed. Returns once the supervising thread is idle (or after a minute, with a warning).
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    if (ticker == null) {
      return;
    }
    ticker.shutdown();
    try {
      if (!ticker.awaitTermination(1, TimeUnit.MINUTES)) {
        LOG.warn("graph {}: the worker supervisor is still busy after a minute; it restarts nothing more", graph);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One supervised replica: changed by the supervising thread alone, always under the supervisor's lock. */
  private final class Replica {
    final String node;
    final String name;
    final Supplier<W> factory;
    final ArrayDeque<Long> failures = new ArrayDeque<>();
    W worker;
    Phase phase = Phase.RUNNING;
    long startedAt;
    long restartAt;
    int consecutive;
    Throwable lastFailure;

    Replica(String node, String name, Supplier<W> factory, W worker, long startedAt) {
      this.node = node;
      this.name = name;
      this.factory = factory;
      this.worker = worker;
      this.startedAt = startedAt;
    }
  }
}
