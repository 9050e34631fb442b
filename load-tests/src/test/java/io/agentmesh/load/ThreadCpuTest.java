package io.agentmesh.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

  @Test
  void threadNamesOfTheBenchmarkJvmGoToTheirComponents() {
    assertThat(ThreadCpu.group("data-plane-kafka-request-handler-3")).isEqualTo("broker request handlers");
    assertThat(ThreadCpu.group("data-plane-kafka-network-thread-1-ListenerName(PLAINTEXT)-PLAINTEXT-0"))
        .isEqualTo("broker network threads");
    assertThat(ThreadCpu.group("kafka-producer-network-thread | bench-vs-1a2b3c.a.0-producer"))
        .isEqualTo("Kafka producers' I/O threads");
    assertThat(ThreadCpu.group("mesh-worker-bench-vs-1a2b3c.b.0")).isEqualTo("workers' poll threads");
    assertThat(ThreadCpu.group("lettuce-nioEventLoop-4-1")).isEqualTo("Lettuce (Redis client) threads");
    assertThat(ThreadCpu.group("vert.x-eventloop-thread-0")).isEqualTo(ThreadCpu.SIMULATOR);
    assertThat(ThreadCpu.group("ForkJoinPool-1-delayScheduler")).isEqualTo("virtual threads' timers");
    assertThat(ThreadCpu.group("ForkJoinPool-1-worker-2")).isEqualTo("virtual threads (handlers, model calls, harness)");
    assertThat(ThreadCpu.group("ForkJoinPool.commonPool-worker-1")).isEqualTo("fork-join common pool (asynchronous callbacks)");
    assertThat(ThreadCpu.group("ExpirationReaper-1-Fetch")).isEqualTo("broker, other threads");
    assertThat(ThreadCpu.group("group-coordinator-event-processor-0")).isEqualTo("broker, other threads");
    assertThat(ThreadCpu.group("main")).isEqualTo("other threads");
  }

  @Test
  void perRunCostsAreTheWindowsDeltasLargestFirstWithTheRestOfTheProcessLast() {
    ThreadCpu start = new ThreadCpu(Map.of("a", 1_000_000L, "b", 5_000_000L));
    ThreadCpu end = new ThreadCpu(Map.of("a", 9_000_000L, "b", 7_000_000L, "c", 4_000_000L));

    Map<String, Double> perRun = end.msPerRunSince(start, 20.0, 2);

    assertThat(perRun).containsExactly(Map.entry("a", 4.0), Map.entry("c", 2.0), Map.entry("b", 1.0),
        Map.entry("VM (GC, JIT) and ended threads", 3.0));
    assertThat(end.msPerRunSince(start, 20.0, 0)).isEmpty();
  }

  @Test
  void aSnapshotOfThisJvmSeesTheThreadThatIsWorking() {
    ThreadCpu before = ThreadCpu.now();
    long spin = 0;
    for (long deadline = System.nanoTime() + 50_000_000L; System.nanoTime() < deadline; ) {
      spin++;
    }
    ThreadCpu after = ThreadCpu.now();

    assertThat(spin).isPositive();
    assertThat(after.nanosByGroup().get("other threads")).isGreaterThan(before.nanosByGroup().getOrDefault("other threads", 0L));
  }
}
