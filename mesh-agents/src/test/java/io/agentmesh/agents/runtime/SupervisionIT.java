package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmesh.core.graph.Agent;
import io.agentmesh.core.graph.AgentContext;
import io.agentmesh.core.graph.AgentInput;
import io.agentmesh.core.graph.AgentOutput;
import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's only replica whose transactional producer is fenced mid-run (another producer
 * initialises its transactional id, as a zombie's successor would) stops FAILED; the runtime
 * replaces it and every run still ends with exactly one result. A replica that fails more often
 * than the restart policy allows stays stopped and the runtime reports itself unhealthy.
 */
@MeshInfraTest
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SupervisionIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private final SharedInfra infra;

  SupervisionIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void replacesAFencedReplicaAndEveryRunStillEndsOnce() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, graph("fenced"), DEPLOY)) {
      MeshRuntime runtime = mesh.runtime();
      Worker fenced = runtime.startNode("work", 1).getFirst();
      awaitMemberWithPartitions(mesh);
      List<String> runs = submit(mesh, 150); // ~3 s of work at 2 in flight

      await().atMost(Duration.ofSeconds(30)).until(() -> mesh.consumed(runtime, "work") >= 20);
      fenceBetweenTransactions(mesh, runtime);

      await().atMost(Duration.ofSeconds(30)).until(() -> fenced.state() == Worker.State.FAILED);
      assertThat(fenced.failure()).isInstanceOfAny(ProducerFencedException.class, InvalidProducerEpochException.class);
      Map<String, List<RunResult>> results = mesh.results(runs, WAIT);

      assertThat(results).as("runs with a result").hasSize(runs.size());
      results.forEach((run, list) -> {
        assertThat(list).as("results of %s", run).hasSize(1);
        assertThat(list.getFirst().getStatus()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(ExamplesIT.text(list.getFirst())).isEqualTo("done " + run);
      });
      assertThat(runtime.workers()).singleElement().isNotSameAs(fenced)
          .satisfies(replacement -> assertThat(replacement.state()).isEqualTo(Worker.State.RUNNING));
      assertThat(restarts(mesh, runtime)).isEqualTo(1);
      assertThat(runtime.healthy()).isTrue();
    }
  }

  @Test
  void reportsTheRuntimeUnhealthyWhenAReplicaFailsMoreOftenThanThePolicyAllows() throws Exception {
    try (MeshHarness mesh = MeshHarness.of(infra, graph("circuit"), DEPLOY)) {
      MeshRuntime runtime = mesh.runtime().restartPolicy(RestartPolicy.defaults().withCircuit(1, Duration.ofMinutes(5)));
      runtime.startNode("work", 1);
      awaitMemberWithPartitions(mesh);
      List<String> runs = submit(mesh, 100);

      await().atMost(Duration.ofSeconds(30)).until(() -> mesh.consumed(runtime, "work") >= 10);
      fenceBetweenTransactions(mesh, runtime);

      await().atMost(Duration.ofSeconds(30)).until(() -> !runtime.healthy());
      assertThat(runtime.failedReplicas()).singleElement().satisfies(failed -> {
        assertThat(failed.node()).isEqualTo("work");
        assertThat(failed.failures()).isEqualTo(1);
        assertThat(failed.lastFailure()).isInstanceOfAny(ProducerFencedException.class, InvalidProducerEpochException.class);
      });
      Thread.sleep(WorkerSupervisor.TICK.toMillis() * 3); // a restart, if any, would be due by now
      assertThat(restarts(mesh, runtime)).isZero();
      assertThat(runtime.workers()).singleElement().satisfies(w -> assertThat(w.state()).isEqualTo(Worker.State.FAILED));
      assertThat(mesh.results(runs, Duration.ofSeconds(2))).as("runs finished with no replica left").hasSizeLessThan(runs.size());
    }
  }

  private static final String DEPLOY = """
      topics: {partitions: 4}
      nodes:
        work: {maxInFlight: 2}
      """;

  private String graph(String prefix) {
    return """
        name: %s
        nodes:
          work: {type: java, class: %s}
        edges:
          - {from: START, to: work}
          - {from: work, to: END}
        """.formatted(infra.uniqueName(prefix), Gated.class.getName());
  }

  /** Takes 40 ms per input, like a short model call; waits first while the test holds the gate shut. */
  public static final class Gated implements Agent {
    static volatile CountDownLatch gate = new CountDownLatch(0);
    static final AtomicInteger waiting = new AtomicInteger();

    @Override
    public AgentOutput process(AgentInput input, AgentContext ctx) throws Exception {
      CountDownLatch current = gate;
      if (current.getCount() > 0) {
        waiting.incrementAndGet();
        try {
          current.await();
        } finally {
          waiting.decrementAndGet();
        }
      }
      Thread.sleep(40);
      return AgentOutput.text("done " + ctx.runId());
    }
  }

  /**
   * Fences the worker while it has no transaction open, then lets it work on. Fenced in the middle
   * of its EndTxn, the broker (4.3) answers an unexpected error instead of a fencing one, and the
   * worker keeps retrying with a producer that can no longer abort, never reaching FAILED (a gap in
   * {@link Worker}'s abort path, docs/decisions.md D-016): this test is about replacing a replica
   * that did fail, so it takes that race out.
   */
  private void fenceBetweenTransactions(MeshHarness mesh, MeshRuntime runtime) throws Exception {
    CountDownLatch shut = new CountDownLatch(1);
    Gated.gate = shut;
    try {
      // both in-flight slots wait at the gate, and no transaction was committed for a poll interval or more
      double[] last = {-1};
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
        double now = transactions(mesh, runtime);
        boolean quiet = Gated.waiting.get() == 2 && now == last[0];
        last[0] = now;
        return quiet;
      });
      fence(mesh);
    } finally {
      shut.countDown();
    }
  }

  private static double transactions(MeshHarness mesh, MeshRuntime runtime) {
    var counter = mesh.meters(runtime).find(MeshMetric.TRANSACTIONS.metricName()).tag("node", "work").counter();
    return counter == null ? 0 : counter.count();
  }

  private List<String> submit(MeshHarness mesh, int count) {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String runId = infra.uniqueName("run");
      mesh.submit(runId, "{\"n\": " + i + "}");
      runs.add(runId);
    }
    return runs;
  }

  /**
   * Fences the node's one worker the way Kafka fences a zombie: a new producer initialises the
   * worker's transactional id (found on the broker: the node's group id and a random suffix).
   */
  private void fence(MeshHarness mesh) throws Exception {
    String group = mesh.plan.group("work").groupId();
    String transactionalId;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      List<TransactionListing> listings = List.copyOf(admin.listTransactions(new ListTransactionsOptions()
          .filterOnTransactionalIdPattern(Pattern.quote(group + "-") + ".*")).all().get(10, TimeUnit.SECONDS));
      assertThat(listings).as("transactional ids of the node's workers").hasSize(1);
      transactionalId = listings.getFirst().transactionalId();
    }
    try (KafkaProducer<byte[], byte[]> successor = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId), new ByteArraySerializer(), new ByteArraySerializer())) {
      successor.initTransactions(); // bumps the epoch: the worker's next transactional request is refused
    }
  }

  private static double restarts(MeshHarness mesh, MeshRuntime runtime) {
    var counter = mesh.meters(runtime).find(MeshMetric.WORKER_RESTARTS.metricName()).tag("node", "work").counter();
    return counter == null ? 0 : counter.count();
  }

  private void awaitMemberWithPartitions(MeshHarness mesh) {
    String group = mesh.plan.group("work").groupId();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
            .get(10, TimeUnit.SECONDS).get(group);
        return description.members().size() == 1
            && description.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
      });
    }
  }
}
