package io.agentmesh.agents.runtime;

import static io.agentmesh.schemas.serde.WireCodec.bytes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.SubGraphNode;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@code graph} node: runs its child graph as a run of its own and answers with the child's
 * result. The child is compiled to its own topics (default deployment spec), which are created
 * when missing, and its workers run in this process. The node's input is published to the child's
 * ingress as a JSON task under a child run id derived from the parent run, node and input, so a
 * redelivered input restarts the same child run (whose own checkpoints keep its effects once);
 * the child's results topic is read from the beginning by one consumer thread, so a result that
 * arrived before a redelivery is still found.
 */
final class SubGraphExecutor implements NodeExecutor, AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(10);

  private final SubGraphNode node;
  private final TopicNames topics;
  private final WireCodec codec;
  private final MeshRuntime child;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, CompletableFuture<RunResult>> results = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean running = true;

  SubGraphExecutor(SubGraphNode node, MeshRuntime.Endpoints endpoints, MeterRegistry meters, WireCodec codec) {
    this.node = node;
    this.codec = codec;
    Plan plan = PlanCompiler.compile(node.graph(), DeploymentSpec.defaults());
    this.topics = TopicNames.of(plan.topicPrefix(), node.graph().name());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoints.kafkaBootstrap()))) {
      new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    }
    this.child = MeshRuntime.create(node.graph(), plan, endpoints, meters).startAll();
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(topics.results(), Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topics.results(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.reader = Thread.ofPlatform().daemon().name("subgraph-" + node.name()).start(this::read);
  }

  private void read() {
    try {
      while (running) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
          RunResult result = codec.decode(record.topic(), record.value(), RunResult.class);
          results.computeIfAbsent(result.getRunId(), k -> new CompletableFuture<>()).complete(result);
        });
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  @Override
  public NodeOutput execute(NodeCall call) throws Exception {
    String childRun = call.runId() + "-" + node.name() + "-" + HopHandler.sha256Hex(call.inputId()).substring(0, 12);
    ObjectNode task = JSON.createObjectNode().put("runId", childRun);
    if (call.contentType() != null && call.contentType().startsWith("application/json")) {
      task.set("input", JSON.readTree(call.payload()));
    } else {
      task.put("input", call.text());
    }
    call.deadline().ifPresent(d -> task.put("deadline", d.toString()));
    CompletableFuture<RunResult> answer = results.computeIfAbsent(childRun, k -> new CompletableFuture<>());
    producer.send(new ProducerRecord<>(topics.ingress(), childRun.getBytes(StandardCharsets.UTF_8),
        JSON.writeValueAsBytes(task))).get(30, TimeUnit.SECONDS);
    Duration wait = call.deadline().map(d -> Duration.between(Instant.now(), d)).filter(d -> !d.isNegative()).orElse(DEFAULT_WAIT);
    RunResult result;
    try {
      result = answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("sub-graph '" + node.graph().name() + "' (node '" + node.name() + "') gave no result for run "
          + childRun + " within " + wait);
    }
    if (result.getStatus() != RunStatus.SUCCEEDED) {
      throw new IllegalStateException("sub-graph '" + node.graph().name() + "' run " + childRun + " ended " + result.getStatus()
          + (result.getError() == null ? "" : ": " + result.getError().getMessage()));
    }
    byte[] output = result.getOutput() == null ? new byte[0] : bytes(result.getOutput());
    String contentType = result.getContentType() == null ? "text/plain; charset=utf-8" : result.getContentType();
    return new NodeOutput(output, contentType, LlmExecutor.parseDecision(output, contentType), Map.of(),
        result.getTokensIn(), result.getTokensOut(), 0);
  }


  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
    child.close();
  }
}
