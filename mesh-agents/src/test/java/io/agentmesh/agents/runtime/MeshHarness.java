package io.agentmesh.agents.runtime;

import static org.awaitility.Awaitility.await;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.RunRecord;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One compiled graph deployed on the shared test infrastructure: its topics applied, runtimes
 * started on demand (each with its own meters), tasks published as JSON, and results, dead letters
 * and run records read back. Closing stops every runtime it started.
 */
final class MeshHarness implements AutoCloseable {

  final Graph graph;
  final Plan plan;
  final TopicNames topics;
  final WireCodec codec;
  private final String kafka;
  private final MeshRuntime.Endpoints endpoints;
  private final KafkaProducer<byte[], byte[]> producer;
  private final MeshRedis redis;
  private final List<MeshRuntime> runtimes = new ArrayList<>();
  private final Map<MeshRuntime, MeterRegistry> meters = new HashMap<>();

  private MeshHarness(Graph graph, DeploymentSpec spec, String kafka, String redisUri, String registryUrl,
                      UnaryOperator<String> modelUrls) throws Exception {
    this.graph = graph;
    this.plan = PlanCompiler.compile(graph, spec);
    this.topics = TopicNames.of(plan.topicPrefix(), graph.name());
    this.kafka = kafka;
    this.codec = WireCodec.forRegistry(registryUrl);
    this.endpoints = new MeshRuntime.Endpoints(kafka, redisUri, registryUrl, modelUrls);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan); // idempotent: an existing topic is fine
    }
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    this.redis = MeshRedis.connect(redisUri);
  }

  /** A harness for a graph given as YAML text (relative files resolve against the working directory). */
  static MeshHarness of(io.agentmesh.infra.junit.SharedInfra infra, String graphYaml) throws Exception {
    return of(infra, GraphLoader.parse(graphYaml, "test.yaml", Path.of(".")), DeploymentSpec.defaults(), UnaryOperator.identity());
  }

  /** A harness for a graph and a deployment spec given as YAML text. */
  static MeshHarness of(io.agentmesh.infra.junit.SharedInfra infra, String graphYaml, String deployYaml) throws Exception {
    Graph graph = GraphLoader.parse(graphYaml, "test.yaml", Path.of("."));
    return of(infra, graph, GraphLoader.parseSpec(deployYaml, "deploy.yaml", graph), UnaryOperator.identity());
  }

  static MeshHarness of(io.agentmesh.infra.junit.SharedInfra infra, Graph graph, DeploymentSpec spec, UnaryOperator<String> modelUrls)
      throws Exception {
    return new MeshHarness(graph, spec, infra.kafkaBootstrap(), infra.redisUri(), infra.registryUrl(), modelUrls);
  }

  /** A new runtime of this graph with its own meter registry; starts nothing. */
  synchronized MeshRuntime runtime() {
    return runtime(graph, plan);
  }

  /** A new runtime of another graph of this plan (a sub-graph, with its plan from {@link #plan}); starts nothing. */
  synchronized MeshRuntime runtime(Graph graph, Plan plan) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MeshRuntime runtime = MeshRuntime.create(graph, plan, endpoints, registry);
    runtimes.add(runtime);
    meters.put(runtime, registry);
    return runtime;
  }

  /** A new runtime running every node as the spec asks. */
  MeshRuntime startAll() {
    return runtime().startAll();
  }

  /**
   * A real redelivery, as after a crash: stops {@code running}, moves {@code node}'s consumer group
   * back to the start of its inbound topics, and starts every node again in a new runtime, which
   * reads those records again at their old offsets.
   */
  MeshRuntime redeliverFromStart(MeshRuntime running, String node) {
    running.close();
    String group = plan.group(node).groupId();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
      for (String topic : plan.group(node).inbound()) {
        admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
            .forEach(p -> start.put(new TopicPartition(topic, p.partition()), new OffsetAndMetadata(0)));
      }
      // the group takes new offsets once its stopped members have left it
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .untilAsserted(() -> admin.alterConsumerGroupOffsets(group, start).all().get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException("cannot rewind group " + group, e);
    }
    return startAll();
  }

  /** The offsets {@code node}'s group has committed, summed over its partitions. */
  long committedOffsets(String node) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      return admin.listConsumerGroupOffsets(plan.group(node).groupId()).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS).values().stream().filter(java.util.Objects::nonNull)
          .mapToLong(OffsetAndMetadata::offset).sum();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the offsets of node " + node, e);
    }
  }

  /** The end offsets of {@code topic}, summed over its partitions: 0 when nothing was ever written to it. */
  long endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(partitions, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Records a runtime's workers of {@code node} consumed (all topics). */
  synchronized double consumed(MeshRuntime runtime, String node) {
    var counter = meters.get(runtime).find("mesh.records.consumed").tag("node", node).counter();
    return counter == null ? 0 : counter.count();
  }

  MeterRegistry meters(MeshRuntime runtime) {
    return meters.get(runtime);
  }

  /** Publishes a JSON task keyed by the run id, as any client could. */
  void submit(String runId, String json) {
    send(topics.ingress(), runId, json.getBytes(StandardCharsets.UTF_8));
  }

  void send(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot publish to " + topic, e);
    }
  }

  /** The one result of a run, failing when none arrives in time. */
  RunResult result(String runId, Duration timeout) {
    List<RunResult> found = results(Set.of(runId), timeout).getOrDefault(runId, List.of());
    if (found.isEmpty()) {
      throw new AssertionError("no result for run " + runId + " within " + timeout + "; run record: " + runRecord(runId));
    }
    return found.getLast();
  }

  /**
   * Every committed result of the given runs, read from the beginning until each has one (or the
   * timeout passed), then 500 ms more to catch duplicates.
   */
  Map<String, List<RunResult>> results(Collection<String> runIds, Duration timeout) {
    Map<String, List<RunResult>> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : read(topics.results(), timeout,
        seen -> seen.stream().map(r -> key(r)).filter(runIds::contains).distinct().count() >= runIds.size())) {
      String runId = key(record);
      if (runIds.contains(runId)) {
        out.computeIfAbsent(runId, k -> new ArrayList<>()).add(codec.decode(topics.results(), record.value(), RunResult.class));
      }
    }
    return out;
  }

  /** The results of one run, read until {@code expected} arrived or the timeout passed. */
  List<RunResult> resultsOf(String runId, int expected, Duration timeout) {
    java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> ofRun = r -> key(r).equals(runId);
    return read(topics.results(), timeout, seen -> seen.stream().filter(ofRun).count() >= expected).stream()
        .filter(ofRun).map(r -> codec.decode(topics.results(), r.value(), RunResult.class)).toList();
  }

  /** The dead letters of a node, decoded, read until {@code expected} arrived or the timeout passed. */
  List<DeadLetter> deadLetters(String node, int expected, Duration timeout) {
    String topic = topics.dlq(node);
    return read(topic, timeout, seen -> seen.size() >= expected).stream()
        .map(r -> codec.decode(topic, r.value(), DeadLetter.class)).toList();
  }

  /** The hops on the edge {@code from -> to}, decoded, read until {@code expected} arrived or the timeout passed. */
  List<io.agentmesh.schemas.avro.Hop> hops(String from, String to, int expected, Duration timeout) {
    String topic = topics.edge(from, to);
    return read(topic, timeout, seen -> seen.size() >= expected).stream()
        .map(r -> codec.decode(topic, r.value(), io.agentmesh.schemas.avro.Hop.class)).toList();
  }

  /** Run {@code runId}'s lifecycle events, decoded, in order, read until one of type {@code until} arrived or the timeout passed. */
  List<io.agentmesh.schemas.avro.RunEvent> events(String runId, io.agentmesh.schemas.avro.RunEventType until, Duration timeout) {
    String topic = topics.events();
    java.util.function.Function<List<ConsumerRecord<byte[], byte[]>>, List<io.agentmesh.schemas.avro.RunEvent>> ofRun =
        records -> records.stream().map(r -> codec.decode(topic, r.value(), io.agentmesh.schemas.avro.RunEvent.class))
            .filter(e -> e.getRunId().equals(runId)).toList();
    return ofRun.apply(read(topic, timeout, seen -> ofRun.apply(seen).stream().anyMatch(e -> e.getType() == until)));
  }

  /** The size of a hop as encoded on the edge {@code from -> to}. */
  int encodedSize(io.agentmesh.schemas.avro.Hop hop, String from, String to) {
    return codec.encode(topics.edge(from, to), hop).length;
  }

  Optional<RunRecord> runRecord(String runId) {
    return HopHandler.await(redis.runRecords().get(runId));
  }

  MeshRedis redis() {
    return redis;
  }

  private List<ConsumerRecord<byte[], byte[]>> read(String topic, Duration timeout,
                                                   java.util.function.Predicate<List<ConsumerRecord<byte[], byte[]>>> enough) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long settle = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settle)) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        if (settle == Long.MAX_VALUE && enough.test(out)) {
          settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        }
      }
    }
    return out;
  }

  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void close() {
    runtimes.forEach(MeshRuntime::close);
    producer.close(Duration.ofSeconds(5));
    redis.close();
  }
}
