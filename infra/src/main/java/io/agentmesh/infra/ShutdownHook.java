package io.agentmesh.infra;

import java.time.Duration;

/** A JVM shutdown hook a local server registers when it starts and withdraws when it is closed first. */
public final class ShutdownHook {

  private final Thread thread;

  private ShutdownHook(Thread thread) {
    this.thread = thread;
  }

  /** Runs {@code action} at JVM exit (normal exit, Ctrl-C, SIGTERM) unless cancelled first. */
  public static ShutdownHook register(String name, Runnable action) {
    Thread thread = new Thread(action, name);
    Runtime.getRuntime().addShutdownHook(thread);
    return new ShutdownHook(thread);
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
