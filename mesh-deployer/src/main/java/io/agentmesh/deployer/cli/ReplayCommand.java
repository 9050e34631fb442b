package io.agentmesh.deployer.cli;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.plan.ApplyResult;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.deployer.replay.Progress;
import io.agentmesh.deployer.replay.RecordedOutputs;
import io.agentmesh.deployer.replay.Recording;
import io.agentmesh.deployer.replay.Reinjector;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import io.agentmesh.schemas.avro.RunResult;
import java.util.HashMap;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh replay}: re-publishes a graph's recorded ingress into a graph, at a chosen speed, optionally deterministically. */
@Command(name = "replay", description = "Re-publishes recorded ingress tasks into the same graph, a new version or another "
    + "deployment, at the recorded pace (--speed 1), N times faster, or as fast as possible; --deterministic serves recorded "
    + "model replies instead of calling models.")
final class ReplayCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Mixin
  private RangeOptions range;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "graph.yaml of the recorded deployment")
  private Path graphFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOY", description = "its deploy.yaml (for the topic prefix)")
  private Path deployFile;

  @Option(names = "--into", paramLabel = "GRAPH", description = "graph.yaml to replay into (default: the recorded graph).")
  private Path intoGraph;

  @Option(names = "--into-deploy", paramLabel = "DEPLOY", description = "deploy.yaml of the target (its topic prefix, replicas).")
  private Path intoDeploy;

  @Option(names = "--speed", defaultValue = "1", description = "1 = the recorded inter-arrival gaps, 2 = twice as fast, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
  private double speed;

  @Option(names = "--same-run-ids", description = "Keep the recorded run ids (default: new ones, so each task is a new run). "
      + "Against the Redis that holds the recorded runs, tasks of existing runs are ignored as duplicates.")
  private boolean sameRunIds;

  @Option(names = "--deterministic", description = "Run the target graph here with recorded model replies instead of model calls; "
      + "an input with no recording fails its run. Do not run the target's agents elsewhere meanwhile.")
  private boolean deterministic;

  @Option(names = "--wait", defaultValue = "5m", description = "With --deterministic: how long to wait for the replayed runs' results (default ${DEFAULT-VALUE}).")
  private String waitFor;

  @Override
  public Integer call() throws Exception {
    PlanCommand.Compiled recorded = PlanCommand.compile(graphFile, deployFile);
    PlanCommand.Compiled target = intoGraph == null && intoDeploy == null ? recorded
        : PlanCommand.compile(intoGraph == null ? graphFile : intoGraph, intoDeploy);
    TopicNames from = TopicNames.of(recorded.plan().topicPrefix(), recorded.graph().name());
    TopicNames into = TopicNames.of(target.plan().topicPrefix(), target.graph().name());
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = Progress.onStderr(range.progress);
    Recording recording = Recording.read(endpoints.kafka(), endpoints.registry(), from, recorded.graph().name(), range.range(), progress);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoints.kafka()))) {
      ApplyResult applied = new PlanApplier(admin, Duration.ofSeconds(30)).apply(target.plan());
      applied.conflicts().forEach(c -> out.println("warning: topic " + c.topic() + ": " + c.detail()));
    }
    WireCodec codec = WireCodec.forRegistry(endpoints.registry());
    if (!deterministic) {
      Reinjector.Result result = Reinjector.reinject(recording.ingress(), endpoints.kafka(), codec, from.ingress(), into.ingress(),
          speed, !sameRunIds, progress);
      out.printf("replayed %d tasks into %s in %d ms (recorded span %d ms, speed %s)%n", result.runIds().size(), into.ingress(),
          result.elapsedMs(), result.recordedSpanMs(), speed == 0 ? "max" : speed + "x");
      return 0;
    }
    RecordedOutputs outputs = RecordedOutputs.of(recording, Map.of());
    Set<String> expected = ConcurrentHashMap.newKeySet();
    MeshRuntime.Endpoints where = new MeshRuntime.Endpoints(endpoints.kafka(), endpoints.redis(), endpoints.registry(),
        AgentCommand.modelUrls(endpoints.model()));
    try (MeshRuntime runtime = MeshRuntime.create(target.graph(), target.plan(), where, new SimpleMeterRegistry(), outputs).startAll();
         Results watcher = new Results(endpoints.kafka(), into.results(), codec)) {
      Reinjector.Result result = Reinjector.reinject(recording.ingress(), endpoints.kafka(), codec, from.ingress(), into.ingress(),
          speed, !sameRunIds, progress, (replayed, original) -> {
            outputs.alias(replayed, original);
            expected.add(replayed);
          });
      Map<String, String> finished = watcher.await(expected, RangeOptions.duration("--wait", waitFor));
      long failed = finished.values().stream().filter(s -> !s.equals("SUCCEEDED")).count();
      out.printf("deterministic replay of %d runs into %s: %d finished (%d failed), %d node outputs served from the recording, "
          + "%d inputs had no recording (no model was called)%n", result.runIds().size(), target.graph().name(), finished.size(),
          failed, outputs.served(), outputs.missed());
      outputs.misses().forEach(m -> out.println("  no recording: " + m));
      return finished.size() == expected.size() && outputs.missed() == 0 ? 0 : 1;
    }
  }

  /** Statuses of results on a results topic published after it was created (positions pinned at the end first). */
  private static final class Results implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final WireCodec codec;

    Results(String bootstrap, String topic, WireCodec codec) {
      this.topic = topic;
      this.codec = codec;
      this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
          new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
    }

    Map<String, String> await(Set<String> runIds, Duration timeout) {
      Map<String, String> statuses = new HashMap<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && !statuses.keySet().containsAll(runIds)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          RunResult result = codec.decode(topic, record.value(), RunResult.class);
          if (runIds.contains(result.getRunId())) {
            statuses.putIfAbsent(result.getRunId(), result.getStatus().name());
          }
        }
      }
      return statuses;
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
