package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventFeedTest {

  private static final EventFeed.Listener IGNORE = event -> { };

  @Test
  void aSubscriberGetsTheHeldEventsAfterItsSequenceThenTheLiveOnes() {
    EventFeed feed = new EventFeed(10, 10, 100);
    feed.append("r1", "RUN_STARTED", () -> "{}", false);
    feed.append("r1", "NODE_STARTED", () -> "{}", false);
    List<EventFeed.Event> live = new ArrayList<>();

    List<EventFeed.Event> held = feed.subscribe("r1", 1, live::add);
    feed.append("r1", "RUN_SUCCEEDED", () -> "{}", true);

    assertThat(held).extracting(EventFeed.Event::type).containsExactly("NODE_STARTED");
    assertThat(live).extracting(EventFeed.Event::seq).containsExactly(3L);
    assertThat(live.get(0).json()).isEqualTo("{}");
    assertThat(feed.ended("r1")).isTrue();
  }

  @Test
  void endedRunsHaveASmallerBoundThanRunningOnes() {
    EventFeed feed = new EventFeed(10, 2, 100);
    for (int i = 0; i < 5; i++) {
      feed.append("running-" + i, "RUN_STARTED", () -> "{}", false);
      feed.append("done-" + i, "RUN_STARTED", () -> "{}", false);
      feed.append("done-" + i, "RUN_SUCCEEDED", () -> "{}", true);
    }

    for (int i = 0; i < 5; i++) {
      assertThat(feed.subscribe("running-" + i, 0, IGNORE)).as("running-" + i).hasSize(1);
    }
    assertThat(feed.ended("done-2")).as("ended beyond the bound: dropped").isFalse();
    assertThat(feed.subscribe("done-2", 0, IGNORE)).isEmpty();
    assertThat(feed.ended("done-3")).isTrue();
    assertThat(feed.subscribe("done-4", 0, IGNORE)).extracting(EventFeed.Event::type).containsExactly("RUN_STARTED", "RUN_SUCCEEDED");
  }

  @Test
  void anEndedRunWithAnOpenStreamIsKeptPastTheBound() {
    EventFeed feed = new EventFeed(10, 1, 100);
    feed.append("watched", "RUN_STARTED", () -> "{}", false);
    feed.subscribe("watched", 0, IGNORE);
    feed.append("watched", "RUN_SUCCEEDED", () -> "{}", true);
    feed.append("other", "RUN_SUCCEEDED", () -> "{}", true);
    feed.append("third", "RUN_SUCCEEDED", () -> "{}", true);

    assertThat(feed.ended("watched")).isTrue();
    assertThat(feed.ended("other")).as("no stream open: dropped").isFalse();
  }
}
