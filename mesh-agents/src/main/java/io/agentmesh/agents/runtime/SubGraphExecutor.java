package io.agentmesh.agents.runtime;

import static io.agentmesh.schemas.serde.WireCodec.bytes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.graph.SubGraphNode;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * result. The child's topics and groups come from the child plan inside the parent's plan (sized
 * by deploy.yaml's {@code <sub-graph>.<node>} entries, created with the parent's topics); this
 * executor never creates topics nor runs the child's nodes (in-process, {@link MeshRuntime#startAll}
 * runs them; deployed, they are their own groups). The node's input is published to the child's
 * ingress as a JSON task under a child run id derived from the parent run, node and input, so a
 * redelivered input restarts the same child run (whose own checkpoints keep its effects once);
 * the child's results topic is read from the beginning by one consumer thread, so a result that
 * arrived before a redelivery is still found.
 *
 * <p>The wait blocks the record's virtual thread (cheap: no carrier thread is held), waking every
 * {@link #CANCEL_POLL} to look at the parent run's cancel flag: once the parent is cancelled it
 * asks for the child run to be cancelled too and ends the parent run CANCELLED at once, without
 * waiting for the child to wind down (the child's workers stop it at its next hop).
 */
final class SubGraphExecutor implements NodeExecutor, AutoCloseable {

  /** How often a waiting node looks whether its parent run was cancelled. */
  static final Duration CANCEL_POLL = Duration.ofMillis(250);
  private static final ObjectMapper JSON = JsonMappers.create();
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(10);

  private final SubGraphNode node;
  private final TopicNames topics;
  private final WireCodec codec;
  private final MeshRedis redis;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, CompletableFuture<RunResult>> results = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean running = true;

  /**
   * @param node the {@code graph} node
   * @param childPlan the child graph's plan, from the parent's plan
   * @param redis the parent runtime's Redis (run records of parent and child runs)
   */
  SubGraphExecutor(SubGraphNode node, Plan childPlan, MeshRuntime.Endpoints endpoints, WireCodec codec, MeshRedis redis) {
    if (!childPlan.graph().equals(node.graph().name())) {
      throw new IllegalArgumentException("node '" + node.name() + "' runs graph '" + node.graph().name()
          + "' but was given the plan of graph '" + childPlan.graph() + "'");
    }
    this.node = node;
    this.codec = codec;
    this.redis = redis;
    this.topics = TopicNames.of(childPlan.topicPrefix(), childPlan.graph());
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
    RunResult result = await(call, childRun, answer, wait);
    if (result.getStatus() == RunStatus.CANCELLED && call.cancelRequested().getAsBoolean()) {
      throw RunFailure.of(ErrorCode.CANCELLED, "run " + call.runId() + " was cancelled, and with it sub-graph run " + childRun);
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

  /** The child's result, waiting up to {@code wait}; cancels the child and fails CANCELLED when the parent is cancelled. */
  private RunResult await(NodeCall call, String childRun, CompletableFuture<RunResult> answer, Duration wait)
      throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      if (call.cancelRequested().getAsBoolean()) {
        HopHandler.await(redis.runRecords().requestCancel(childRun));
        throw RunFailure.of(ErrorCode.CANCELLED, "run " + call.runId() + " was cancelled while sub-graph '"
            + node.graph().name() + "' (node '" + node.name() + "') ran; its run " + childRun + " was asked to cancel");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("sub-graph '" + node.graph().name() + "' (node '" + node.name()
            + "') gave no result for run " + childRun + " within " + wait);
      }
      try {
        return answer.get(Math.min(left, CANCEL_POLL.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // look at the cancel flag again
      }
    }
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
  }
}
