package io.agentmesh.infra;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A JVM shutdown hook a local server registers when it starts and withdraws when it is closed first. */
public final class ShutdownHook {

  private final Thread thread;

  private ShutdownHook(Thread thread) {
    this.thread = thread;
  }

  private static volatile CountDownLatch owner;
  private static volatile Duration ownerPatience = Duration.ZERO;

  /** Runs {@code action} at JVM exit (normal exit, Ctrl-C, SIGTERM) unless cancelled first. */
  public static ShutdownHook register(String name, Runnable action) {
    Thread thread = new Thread(() -> {
      awaitOwner();
      action.run();
    }, name);
    Runtime.getRuntime().addShutdownHook(thread);
    return new ShutdownHook(thread);
  }

  /**
   * Makes the servers' hooks wait, at JVM exit, until {@code closed} is counted down (at most
   * {@code patience}): a command that closes its clients and then the servers itself (`mesh run`)
   * says so, so that Ctrl-C does not stop Redis and the broker under workers that are still
   * committing. After the patience the hooks stop the servers anyway, so none outlives the JVM.
   */
  public static void awaitOwnerAtExit(CountDownLatch closed, Duration patience) {
    ownerPatience = requirePositive("shutdown hooks", "patience", patience);
    owner = closed;
  }

  private static void awaitOwner() {
    CountDownLatch closed = owner;
    if (closed == null) {
      return;
    }
    try {
      closed.await(ownerPatience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Withdraws the hook; while the JVM is already shutting down the hook runs anyway, which is fine. */
  public void cancel() {
    try {
      Runtime.getRuntime().removeShutdownHook(thread);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: it does the work
    }
  }

  /** Returns the timeout if positive, else throws naming the owner and setting. */
  public static Duration requirePositive(String owner, String setting, Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(owner + ": " + setting + " must be positive, got " + timeout);
    }
    return timeout;
  }
}
