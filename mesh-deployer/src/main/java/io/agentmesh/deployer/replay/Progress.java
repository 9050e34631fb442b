package io.agentmesh.deployer.replay;

import java.io.PrintStream;

/** A one-line progress bar on stderr for long reads; silent unless enabled. */
public final class Progress {

  private static final int WIDTH = 30;
  private final PrintStream out;
  private final boolean enabled;
  private long lastDrawn;

  private Progress(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
  }

  /** Draws on stderr when it is a terminal or when {@code forced}. */
  public static Progress onStderr(boolean forced) {
    return new Progress(System.err, forced || stderrIsTerminal());
  }

  /** Draws nothing. */
  public static Progress none() {
    return new Progress(System.err, false);
  }

  /** Redraws the bar (at most every 100 ms, and always at the end). */
  public void update(String label, long done, long total) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (done < total && now - lastDrawn < 100_000_000L) {
      return;
    }
    lastDrawn = now;
    double share = total <= 0 ? 1 : Math.min(1, (double) done / total);
    int filled = (int) Math.round(share * WIDTH);
    out.printf("\r%-10s [%s%s] %3d%% %,d/%,d records", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
        Math.round(share * 100), done, total);
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  private static boolean stderrIsTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try { // JDK 22+: a Console exists even when not attached to a terminal
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
