package io.agentmesh.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Recent lifecycle events per run, so an event stream opened after a run began still gets every
 * event from the first, in order, then the live ones. Bounded: the most recently active
 * {@code maxRuns} runs that have not ended, and the {@code maxEndedRuns} that ended last;
 * {@code maxEventsPerRun} events each (later ones still go to live subscribers; the final event is
 * always kept). A run with an open stream is not dropped.
 *
 * <p>Why ended runs have a bound of their own: every instance holds every run's events, and at
 * 1,000 runs/s a history of the last 10,000 runs lives about 10 s, long enough to be copied by every
 * young collection and then promoted; on a one-core gateway that made each young pause 18-50 ms,
 * against 5-12 ms with this bound (BENCHMARKS.md Run H, D-021). A stream opened for a run that
 * ended beyond the bound reads the run's events back from the events topic ({@link EventHistory}).
 */
final class EventFeed {

  /** One event: its sequence number in the run (from 1), type, JSON, and whether it ends the run. */
  static final class Event {
    private final long seq;
    private final String type;
    private final boolean terminal;
    private Supplier<String> render;
    private String json;

    Event(long seq, String type, Supplier<String> render, boolean terminal) {
      this.seq = seq;
      this.type = type;
      this.render = render;
      this.terminal = terminal;
    }

    long seq() {
      return seq;
    }

    String type() {
      return type;
    }

    boolean terminal() {
      return terminal;
    }

    /**
     * The event as JSON, made the first time a stream sends it: every instance reads every run's
     * events, and most are never streamed.
     */
    synchronized String json() {
      if (json == null) {
        json = render.get();
        render = null;
      }
      return json;
    }
  }

  /** Receives a run's live events, on the results reader's thread: hand them off, never block. */
  interface Listener {
    void onEvent(Event event);
  }

  private static final class RunEvents {
    final List<Event> events = new ArrayList<>();
    final List<Listener> listeners = new ArrayList<>();
    long seq;
    boolean ended;
  }

  private final int maxRuns;
  private final int maxEndedRuns;
  private final int maxEventsPerRun;
  /** Runs not ended, most recently active last. */
  private final Map<String, RunEvents> runs;
  /** Runs ended, most recently ended last. */
  private final Map<String, RunEvents> ended;

  EventFeed(int maxRuns, int maxEndedRuns, int maxEventsPerRun) {
    this.maxRuns = maxRuns;
    this.maxEndedRuns = maxEndedRuns;
    this.maxEventsPerRun = maxEventsPerRun;
    this.runs = new LinkedHashMap<>(1024, 0.75f, true);
    this.ended = new LinkedHashMap<>(1024);
  }

  /** Drops the oldest runs without an open stream until {@code map} holds at most {@code max} (or all have one). */
  private static void trim(Map<String, RunEvents> map, int max) {
    var oldestFirst = map.values().iterator();
    while (map.size() > max && oldestFirst.hasNext()) {
      if (oldestFirst.next().listeners.isEmpty()) {
        oldestFirst.remove();
      }
    }
  }

  private RunEvents findOrAdd(String runId) {
    RunEvents run = find(runId);
    if (run == null) {
      run = new RunEvents();
      trim(runs, maxRuns - 1);
      runs.put(runId, run);
    }
    return run;
  }

  private RunEvents find(String runId) {
    RunEvents run = runs.get(runId);
    return run != null ? run : ended.get(runId);
  }

  /** Records an event and passes it to the run's listeners. */
  void append(String runId, String type, Supplier<String> json, boolean terminal) {
    List<Listener> listeners;
    Event event;
    synchronized (this) {
      RunEvents run = findOrAdd(runId);
      event = new Event(++run.seq, type, json, terminal);
      if (run.events.size() < maxEventsPerRun || terminal) {
        run.events.add(event);
      }
      if (terminal && !run.ended) {
        run.ended = true;
        runs.remove(runId);
        trim(ended, maxEndedRuns - 1);
        ended.put(runId, run);
      }
      listeners = List.copyOf(run.listeners);
    }
    listeners.forEach(l -> l.onEvent(event));
  }

  /**
   * Subscribes to a run: returns the events held with a sequence number above {@code afterSeq};
   * later events go to the listener. Both under one lock, so none is missed or repeated.
   */
  synchronized List<Event> subscribe(String runId, long afterSeq, Listener listener) {
    RunEvents run = findOrAdd(runId);
    run.listeners.add(listener);
    return run.events.stream().filter(e -> e.seq() > afterSeq).toList();
  }

  synchronized void unsubscribe(String runId, Listener listener) {
    RunEvents run = find(runId);
    if (run != null) {
      run.listeners.remove(listener);
    }
  }

  /** Whether the run's final event has been seen. */
  synchronized boolean ended(String runId) {
    RunEvents run = ended.get(runId);
    return run != null && run.ended;
  }
}
