package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor's counting, backoff and stop, on fake workers and a clock the test moves. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WorkerSupervisorTest {

  private static final RestartPolicy POLICY = new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(30),
      Duration.ofMinutes(1), 5, Duration.ofMinutes(5));

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<String> restarts = new ArrayList<>();
  private final List<Fake> disposed = new ArrayList<>();
  private final List<Fake> built = new ArrayList<>();

  /** A worker that is running until the test fails it. */
  private static final class Fake {
    volatile Worker.State state = Worker.State.RUNNING;
    volatile Throwable failure;

    void fence() {
      failure = new ProducerFencedException("another producer with the same transactional id initialised");
      state = Worker.State.FAILED;
    }
  }

  private final WorkerSupervisor.Control<Fake> control = new WorkerSupervisor.Control<>() {
    @Override
    public Worker.State state(Fake worker) {
      return worker.state;
    }

    @Override
    public Throwable failure(Fake worker) {
      return worker.failure;
    }

    @Override
    public void dispose(Fake worker) {
      synchronized (disposed) {
        disposed.add(worker);
      }
    }

    @Override
    public void restarted(String node) {
      synchronized (restarts) {
        restarts.add(node);
      }
    }
  };

  /** Jitter 1.0: every backoff is its full doubled value, so the test knows when it ends. */
  private WorkerSupervisor<Fake> supervisor(RestartPolicy policy) {
    return new WorkerSupervisor<>("g", policy, control, now::get, () -> 1.0);
  }

  private Fake build() {
    Fake fake = new Fake();
    built.add(fake);
    return fake;
  }

  private void advance(Duration by) {
    now.addAndGet(by.toNanos());
  }

  @Test
  void replacesAFailedWorkerOnceItsBackoffIsOver() {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY);
    Fake first = supervisor.add("work", "g.work.1", this::build);

    first.fence();
    supervisor.check();
    assertThat(disposed).as("the failed worker is closed before anything replaces it").containsExactly(first);
    advance(Duration.ofMillis(99));
    supervisor.check();
    assertThat(built).as("workers built before the 100 ms backoff ended").hasSize(1);

    advance(Duration.ofMillis(1));
    supervisor.check();
    assertThat(built).hasSize(2);
    assertThat(supervisor.workers()).containsExactly(built.get(1));
    assertThat(restarts).containsExactly("work");
    assertThat(supervisor.openCircuits()).isEmpty();
  }

  @Test
  void doublesTheBackoffOnEachFailureInARowAndStartsOverAfterAHealthyRun() {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY.withCircuit(10, Duration.ofMinutes(5)));
    supervisor.add("work", "g.work.1", this::build);

    assertThat(failAndMeasureBackoff(supervisor)).isEqualTo(Duration.ofMillis(100));
    assertThat(failAndMeasureBackoff(supervisor)).isEqualTo(Duration.ofMillis(200));
    assertThat(failAndMeasureBackoff(supervisor)).isEqualTo(Duration.ofMillis(400));

    advance(Duration.ofMinutes(1)); // the replacement runs healthy for the policy's healthyAfter
    assertThat(failAndMeasureBackoff(supervisor)).isEqualTo(Duration.ofMillis(100));
  }

  /** Fails the current worker and moves the clock 10 ms at a time until it is replaced: the backoff it waited. */
  private Duration failAndMeasureBackoff(WorkerSupervisor<Fake> supervisor) {
    int before = built.size();
    built.getLast().fence();
    supervisor.check();
    Duration waited = Duration.ZERO;
    while (built.size() == before) {
      advance(Duration.ofMillis(10));
      waited = waited.plusMillis(10);
      supervisor.check();
      assertThat(waited).as("backoff").isLessThan(Duration.ofMinutes(1));
    }
    return waited;
  }

  @Test
  void opensTheCircuitAtTheFifthFailureInFiveMinutesAndRestartsNothingMore() {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY);
    supervisor.add("work", "g.work.1", this::build);

    for (int failure = 1; failure <= 5; failure++) {
      built.getLast().fence();
      supervisor.check();
      advance(Duration.ofSeconds(30)); // past any backoff so far, well inside the window
      supervisor.check();
    }
    advance(Duration.ofMinutes(10));
    supervisor.check();

    assertThat(restarts).as("replacements: one after each of the first four failures").hasSize(4);
    assertThat(built).hasSize(5);
    assertThat(supervisor.openCircuits()).singleElement().satisfies(open -> {
      assertThat(open.node()).isEqualTo("work");
      assertThat(open.replica()).isEqualTo("g.work.1");
      assertThat(open.failures()).isEqualTo(5);
      assertThat(open.lastFailure()).isInstanceOf(ProducerFencedException.class);
    });
  }

  @Test
  void failuresFartherApartThanTheWindowNeverOpenTheCircuit() {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY);
    supervisor.add("work", "g.work.1", this::build);

    for (int failure = 1; failure <= 8; failure++) {
      built.getLast().fence();
      supervisor.check();
      advance(Duration.ofSeconds(90)); // four of them span 4.5 minutes; the fifth is 6 minutes after the first
      supervisor.check();
    }

    assertThat(supervisor.openCircuits()).isEmpty();
    assertThat(restarts).hasSize(8);
  }

  @Test
  void countsAReplacementThatCannotStartAsAFailure() {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY.withCircuit(2, Duration.ofMinutes(5)));
    boolean[] brokerDown = {false};
    supervisor.add("work", "g.work.1", () -> {
      if (brokerDown[0]) {
        throw new IllegalStateException("initTransactions timed out");
      }
      return build();
    });
    brokerDown[0] = true;

    built.getLast().fence();
    supervisor.check();
    advance(Duration.ofSeconds(1));
    supervisor.check(); // the replacement fails to start: the second failure opens the circuit

    assertThat(supervisor.openCircuits()).singleElement()
        .satisfies(open -> assertThat(open.lastFailure()).hasMessage("initTransactions timed out"));
    assertThat(restarts).isEmpty();
  }

  @Test
  void aReplacementStartingWhileTheRuntimeClosesIsDisposedAndNeverSupervised() throws Exception {
    WorkerSupervisor<Fake> supervisor = supervisor(POLICY);
    CountDownLatch starting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Fake[] replacement = new Fake[1];
    Fake first = supervisor.add("work", "g.work.1", () -> {
      if (built.isEmpty()) {
        return build();
      }
      starting.countDown(); // a replacement: blocks as initTransactions does when the broker is slow
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      replacement[0] = new Fake();
      return replacement[0];
    });
    first.fence();
    supervisor.check();
    advance(Duration.ofSeconds(1));

    Thread restarting = Thread.ofVirtual().start(supervisor::check);
    assertThat(starting.await(10, TimeUnit.SECONDS)).as("the restart began").isTrue();
    supervisor.close();
    release.countDown();
    restarting.join(10_000);

    assertThat(replacement[0]).as("the replacement that finished starting").isNotNull();
    assertThat(disposed).containsExactly(first, replacement[0]);
    assertThat(supervisor.workers()).containsExactly(first);
    assertThat(restarts).isEmpty();
  }

  @Test
  void backoffDoublesUpToItsCapAndJitterOnlyShortensItsUpperHalf() {
    RestartPolicy policy = RestartPolicy.defaults();
    assertThat(policy.backoff(1, 1.0)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoff(2, 1.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.backoff(1, 0.0)).isEqualTo(Duration.ofMillis(50));
    assertThat(policy.backoff(9, 1.0)).isEqualTo(Duration.ofMillis(25_600));
    assertThat(policy.backoff(10, 1.0)).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.backoff(1_000, 0.5)).isEqualTo(Duration.ofMillis(22_500));
  }
}
