package io.agentmesh.deployer.replay;

import static org.awaitility.Awaitility.await;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.agents.runtime.NodeOutputSource;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A two-node graph (fast -> slow) on the shared infrastructure, with models of fixed latency. */
public final class MeshFixture {

  final SharedInfra infra;
  final String fastModel;
  final String slowModel;

  /** Registers two simulator models with the given fixed latencies. */
  public MeshFixture(SharedInfra infra, Duration fast, Duration slow) {
    this.infra = infra;
    this.fastModel = infra.uniqueName("fast-model");
    this.slowModel = infra.uniqueName("slow-model");
    infra.simulator().putModel(ModelBehaviour.builder(fastModel).latency(Latency.fixed(fast)).build());
    infra.simulator().putModel(ModelBehaviour.builder(slowModel).latency(Latency.fixed(slow)).build());
  }

  public Graph graph(String name) {
    return GraphLoader.parse(graphYaml(name), "graph.yaml", Path.of("."));
  }

  /** graph.yaml of the two-node graph {@code name}. */
  public String graphYaml(String name) {
    return """
        name: %s
        models:
          fastm: {baseUrl: "%s", model: %s, retries: 0}
          slowm: {baseUrl: "%s", model: %s, retries: 0}
        nodes:
          fast: {type: llm, model: fastm, prompt: "Summarise: {{input}}"}
          slow: {type: llm, model: slowm, prompt: "Answer: {{input}}"}
        edges:
          - {from: START, to: fast}
          - {from: fast, to: slow}
          - {from: slow, to: END}
        """.formatted(name, infra.simulator().baseUrl(), fastModel, infra.simulator().baseUrl(), slowModel);
  }

  public static String deployYaml(int replicas, int maxInFlight, int partitions) {
    return """
        topics: {partitions: %d}
        nodes:
          fast: {replicas: %d, maxInFlight: %d}
          slow: {replicas: %d, maxInFlight: %d}
        """.formatted(partitions, replicas, maxInFlight, replicas, maxInFlight);
  }

  public Plan plan(Graph graph, String deployYaml) {
    DeploymentSpec spec = GraphLoader.parseSpec(deployYaml, "deploy.yaml", graph);
    Plan plan = PlanCompiler.compile(graph, spec);
    try (Admin admin = admin()) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    return plan;
  }

  public MeshRuntime start(Graph graph, Plan plan, NodeOutputSource replay) {
    MeshRuntime.Endpoints endpoints = new MeshRuntime.Endpoints(infra.kafkaBootstrap(), infra.redisUri(), infra.registryUrl(),
        UnaryOperator.identity());
    MeshRuntime runtime = replay == null
        ? MeshRuntime.create(graph, plan, endpoints, new SimpleMeterRegistry())
        : MeshRuntime.create(graph, plan, endpoints, new SimpleMeterRegistry(), replay);
    runtime.startAll();
    awaitGroupsAssigned(plan);
    return runtime;
  }

  /** Waits until every node's group has its replicas as members and every inbound partition assigned. */
  void awaitGroupsAssigned(Plan plan) {
    try (Admin admin = admin()) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        for (Plan.GroupPlan group : plan.groups()) {
          ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group.groupId())).all().get().get(group.groupId());
          int partitions = group.inbound().stream().mapToInt(t -> plan.topic(t).partitions()).sum();
          int assigned = d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
          if (d.members().size() < group.replicas() || assigned < partitions) {
            return false;
          }
        }
        return true;
      });
    }
  }

  /** Publishes {@code count} JSON tasks {@code gapMs} apart; returns their run ids. */
  public List<String> publish(String graph, int count, long gapMs) {
    String topic = TopicNames.of(graph).ingress();
    List<String> runIds = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      long began = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long due = began + i * gapMs * 1_000_000L;
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
        String runId = UUID.randomUUID().toString();
        runIds.add(runId);
        byte[] value = ("{\"runId\": \"" + runId + "\", \"input\": {\"question\": \"question number " + i + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, runId.getBytes(StandardCharsets.UTF_8), value));
      }
      producer.flush();
    }
    return runIds;
  }

  /** Results on the graph's results topic, read until {@code count} distinct runs have one. */
  public Map<String, RunResult> awaitResults(String graph, int count, Duration timeout) {
    String topic = TopicNames.of(graph).results();
    WireCodec codec = WireCodec.forRegistry(infra.registryUrl());
    Map<String, RunResult> results = new HashMap<>();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (results.size() < count) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("only " + results.size() + " of " + count + " results on " + topic + " within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          RunResult result = codec.decode(topic, record.value(), RunResult.class);
          results.putIfAbsent(result.getRunId(), result);
        }
      }
    }
    return results;
  }

  /** Requests the simulator has had for this fixture's two models. */
  public long modelCalls() {
    return infra.simulator().stats().model(fastModel).requests() + infra.simulator().stats().model(slowModel).requests();
  }

  Recording record(String graph, ReadRange range) {
    return Recording.read(infra.kafkaBootstrap(), infra.registryUrl(), TopicNames.of(graph), graph, range, Progress.none());
  }

  Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()));
  }

  KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
