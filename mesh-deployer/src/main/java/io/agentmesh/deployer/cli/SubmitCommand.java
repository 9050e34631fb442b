package io.agentmesh.deployer.cli;

import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.serde.WireCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh submit}: publishes a task to a graph's ingress topic, as any Kafka client could. */
@Command(name = "submit", description = "Publishes a task (JSON) to a graph's ingress topic; with --wait prints the run's result.")
final class SubmitCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "The graph's name.")
  private String graph;

  @Option(names = "--input", required = true, paramLabel = "JSON|@FILE", description = "The task: JSON text, or @file.json.")
  private String input;

  @Option(names = "--run-id", paramLabel = "ID", description = "The run id (default: a new UUID); also the record key.")
  private String runId;

  @Option(names = "--wait", description = "Wait for the result and print it.")
  private boolean await;

  @Option(names = "--timeout", defaultValue = "PT60S", paramLabel = "DURATION", description = "How long --wait waits (ISO-8601, default ${DEFAULT-VALUE}).")
  private Duration timeout;

  @Option(names = "--prefix", defaultValue = TopicNames.DEFAULT_PREFIX, description = "Topic prefix (default ${DEFAULT-VALUE}).")
  private String prefix;

  @Override
  public Integer call() throws Exception {
    byte[] task = readInput();
    String id = runId == null ? UUID.randomUUID().toString() : runId;
    Optional<RunResult> result = submit(endpoints.kafka(), endpoints.registry(), TopicNames.of(prefix, graph), id, task,
        await ? timeout : null);
    var out = spec.commandLine().getOut();
    if (!await) {
      out.println(id);
      return 0;
    }
    if (result.isEmpty()) {
      spec.commandLine().getErr().println("mesh submit: no result for run " + id + " within " + timeout.toSeconds()
          + " s; it may still finish: mesh status " + id);
      return 3;
    }
    out.println(ResultJson.of(result.get()));
    return result.get().getStatus() == io.agentmesh.schemas.avro.RunStatus.SUCCEEDED ? 0 : 4;
  }

  /** Publishes the task keyed by run id and, with a timeout, waits for its result. */
  static Optional<RunResult> submit(String kafka, String registry, TopicNames topics, String runId, byte[] task, Duration wait)
      throws Exception {
    WireCodec codec = WireCodec.forRegistry(registry);
    ResultWatcher watcher = wait == null ? null : new ResultWatcher(kafka, topics.results(), codec);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all"),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topics.ingress(), runId.getBytes(StandardCharsets.UTF_8), task)).get(30, TimeUnit.SECONDS);
    }
    if (watcher == null) {
      return Optional.empty();
    }
    try (watcher) {
      return watcher.await(runId, wait);
    }
  }

  private byte[] readInput() {
    try {
      String text = input.startsWith("@") ? Files.readString(Path.of(input.substring(1))) : input;
      ResultJson.parse(text); // reject what is not JSON before it reaches the topic
      return text.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "--input is not valid JSON or the file cannot be read: " + e.getMessage());
    }
  }
}
