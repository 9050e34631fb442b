package io.agentmesh.core.state;

/**
 * Lifecycle of a run. Allowed moves: PENDING -> RUNNING (first node start); PENDING or RUNNING ->
 * SUCCEEDED, FAILED or CANCELLED (once, by {@link RunRecords#complete}); FAILED -> RUNNING only when
 * an operator re-drives the run's dead letter ({@link RunRecords#reopen}). Other terminal statuses
 * never change again.
 */
public enum RunStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** Whether no transition leaves this status. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
