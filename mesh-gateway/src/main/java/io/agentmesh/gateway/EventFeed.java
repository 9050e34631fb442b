package io.agentmesh.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recent lifecycle events per run, so an event stream opened after a run began still gets every
 * event from the first, in order, then the live ones. Bounded: the most recently active
 * {@code maxRuns} runs, {@code maxEventsPerRun} events each (later ones still go to live
 * subscribers; the final event is always kept).
 */
final class EventFeed {

  /** One event: its sequence number in the run (from 1), type, JSON, and whether it ends the run. */
  record Event(long seq, String type, String json, boolean terminal) {}

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
  private final int maxEventsPerRun;
  private final Map<String, RunEvents> runs;

  EventFeed(int maxRuns, int maxEventsPerRun) {
    this.maxRuns = maxRuns;
    this.maxEventsPerRun = maxEventsPerRun;
    this.runs = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, RunEvents> eldest) {
        return size() > EventFeed.this.maxRuns && eldest.getValue().listeners.isEmpty();
      }
    };
  }

  /** Records an event and passes it to the run's listeners. */
  void append(String runId, String type, String json, boolean terminal) {
    List<Listener> listeners;
    Event event;
    synchronized (this) {
      RunEvents run = runs.computeIfAbsent(runId, id -> new RunEvents());
      event = new Event(++run.seq, type, json, terminal);
      if (run.events.size() < maxEventsPerRun || terminal) {
        run.events.add(event);
      }
      run.ended |= terminal;
      listeners = List.copyOf(run.listeners);
    }
    listeners.forEach(l -> l.onEvent(event));
  }

  /**
   * Subscribes to a run: returns the events held with a sequence number above {@code afterSeq};
   * later events go to the listener. Both under one lock, so none is missed or repeated.
   */
  synchronized List<Event> subscribe(String runId, long afterSeq, Listener listener) {
    RunEvents run = runs.computeIfAbsent(runId, id -> new RunEvents());
    run.listeners.add(listener);
    return run.events.stream().filter(e -> e.seq() > afterSeq).toList();
  }

  synchronized void unsubscribe(String runId, Listener listener) {
    RunEvents run = runs.get(runId);
    if (run != null) {
      run.listeners.remove(listener);
    }
  }

  /** Whether the run's final event has been seen. */
  synchronized boolean ended(String runId) {
    RunEvents run = runs.get(runId);
    return run != null && run.ended;
  }
}
