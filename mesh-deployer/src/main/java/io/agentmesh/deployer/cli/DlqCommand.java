package io.agentmesh.deployer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.agents.runtime.DeadLetterQueue;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.AttemptRecord;
import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.serde.WireCodec;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh dlq list|show|redrive}: the dead letters of a graph ({@code <prefix>.<graph>.dlq.<node>}),
 * one in full, and re-driving them to the topic they came from (the run is reopened so it can
 * complete). A dead letter is named by {@code topic-partition@offset}, as {@code list} prints it.
 */
@Command(name = "dlq", description = "Lists, shows and re-drives dead letters.",
    subcommands = {DlqCommand.ListCommand.class, DlqCommand.ShowCommand.class, DlqCommand.RedriveCommand.class})
final class DlqCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "name a subcommand: list, show or redrive");
  }

  /** {@code mesh dlq list GRAPH [--node N] [--json]}. */
  @Command(name = "list", description = "Lists the dead letters of a graph (or one node), oldest first, from the start of the topics.")
  static final class ListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private EndpointOptions endpoints;

    @Parameters(index = "0", paramLabel = "GRAPH", description = "The graph's name.")
    private String graph;

    @Option(names = "--node", paramLabel = "NODE", description = "Only this node's dead letters.")
    private String node;

    @Option(names = "--prefix", defaultValue = TopicNames.DEFAULT_PREFIX, description = "Topic prefix (default ${DEFAULT-VALUE}).")
    private String prefix;

    @Option(names = "--json", description = "One JSON object per dead letter instead of a table.")
    private boolean json;

    @Option(names = "--timeout", defaultValue = "PT30S", paramLabel = "DURATION", description = "How long to read (ISO-8601, default ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() {
      TopicNames topics = TopicNames.of(prefix, graph);
      try (MeshRedis redis = MeshRedis.connect(endpoints.redis());
           DeadLetterQueue dlq = queue(endpoints, topics, redis)) {
        List<DeadLetterQueue.Entry> entries = dlq.list(Optional.ofNullable(node), timeout);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          entries.forEach(e -> out.println(json(e).toString()));
        } else {
          table(entries, out);
        }
        if (entries.isEmpty() && !json) {
          out.println("no dead letters for graph " + graph + (node == null ? "" : " node " + node));
        }
        return 0;
      }
    }
  }

  /** {@code mesh dlq show REF}. */
  @Command(name = "show", description = "Prints one dead letter as JSON: the original record, the error and every attempt.")
  static final class ShowCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private EndpointOptions endpoints;

    @Parameters(index = "0", paramLabel = "REF", description = "topic-partition@offset, as mesh dlq list prints it.")
    private String reference;

    @Option(names = "--timeout", defaultValue = "PT30S", paramLabel = "DURATION", description = "How long to read (ISO-8601, default ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() {
      DeadLetterQueue.Reference ref = reference(spec, reference);
      try (MeshRedis redis = MeshRedis.connect(endpoints.redis());
           DeadLetterQueue dlq = queue(endpoints, topicsOf(spec, ref), redis)) {
        Optional<DeadLetterQueue.Entry> entry = dlq.show(ref, timeout);
        if (entry.isEmpty()) {
          spec.commandLine().getErr().println("mesh dlq show: no dead letter at " + reference);
          return 2;
        }
        spec.commandLine().getOut().println(json(entry.get()).toPrettyString());
        return 0;
      }
    }
  }

  /** {@code mesh dlq redrive REF... | --all GRAPH [--node N]}. */
  @Command(name = "redrive", description = {
      "Re-drives dead letters: reopens each one's run (FAILED -> RUNNING) and republishes the original record to its source topic.",
      "Letters stay on the dead-letter topic afterwards; re-driving one twice publishes its input twice (the checkpoint answers the copy)."})
  static final class RedriveCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private EndpointOptions endpoints;

    @Parameters(paramLabel = "REF", arity = "0..*", description = "topic-partition@offset of each dead letter to re-drive.")
    private List<String> references = new ArrayList<>();

    @Option(names = "--all", paramLabel = "GRAPH", description = "Re-drive every dead letter of this graph (with --node: of that node).")
    private String all;

    @Option(names = "--node", paramLabel = "NODE", description = "With --all: only this node's dead letters.")
    private String node;

    @Option(names = "--prefix", defaultValue = TopicNames.DEFAULT_PREFIX, description = "Topic prefix for --all (default ${DEFAULT-VALUE}).")
    private String prefix;

    @Option(names = "--timeout", defaultValue = "PT30S", paramLabel = "DURATION", description = "How long to read (ISO-8601, default ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() {
      if ((all == null) == references.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "give either REF... or --all GRAPH");
      }
      if (node != null && all == null) {
        throw new ParameterException(spec.commandLine(), "--node only goes with --all");
      }
      PrintWriter out = spec.commandLine().getOut();
      int missing = 0;
      TopicNames topics = all != null ? TopicNames.of(prefix, all) : topicsOf(spec, reference(spec, references.getFirst()));
      try (MeshRedis redis = MeshRedis.connect(endpoints.redis()); DeadLetterQueue dlq = queue(endpoints, topics, redis)) {
        List<DeadLetterQueue.Entry> entries = new ArrayList<>();
        if (all != null) {
          entries.addAll(dlq.list(Optional.ofNullable(node), timeout));
        }
        for (String text : references) {
          Optional<DeadLetterQueue.Entry> entry = dlq.show(reference(spec, text), timeout);
          if (entry.isEmpty()) {
            spec.commandLine().getErr().println("mesh dlq redrive: no dead letter at " + text);
            missing++;
          } else {
            entries.add(entry.get());
          }
        }
        for (DeadLetterQueue.Entry entry : entries) {
          DeadLetterQueue.Redrive done = dlq.redrive(entry);
          String run = entry.letter().getRunId() == null ? "no run id"
              : "run " + entry.letter().getRunId() + (done.runReopened() ? " reopened" : " not reopened: it was not FAILED");
          out.println("redriven " + entry.reference() + " -> " + done.published().topic() + "-" + done.published().partition()
              + "@" + done.published().offset() + " (" + run + ")");
        }
        if (entries.isEmpty() && all != null) {
          out.println("no dead letters for graph " + all + (node == null ? "" : " node " + node));
        }
      }
      return missing == 0 ? 0 : 2;
    }
  }

  private static DeadLetterQueue queue(EndpointOptions endpoints, TopicNames topics, MeshRedis redis) {
    return DeadLetterQueue.of(endpoints.kafka(), topics, WireCodec.forRegistry(endpoints.registry()), redis.runRecords());
  }

  private static DeadLetterQueue.Reference reference(CommandSpec spec, String text) {
    try {
      return DeadLetterQueue.parseReference(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The graph's topic names, read back from a dead-letter topic {@code <prefix>.<graph>.dlq.<node>}. */
  private static TopicNames topicsOf(CommandSpec spec, DeadLetterQueue.Reference ref) {
    try {
      return TopicNames.ofDeadLetterTopic(ref.topic());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static void table(List<DeadLetterQueue.Entry> entries, PrintWriter out) {
    if (entries.isEmpty()) {
      return;
    }
    out.printf("%-44s %-38s %-14s %-8s %-24s %s%n", "REF", "RUN", "NODE", "ATTEMPTS", "DEAD-LETTERED", "ERROR");
    for (DeadLetterQueue.Entry e : entries) {
      DeadLetter l = e.letter();
      String error = l.getErrorClass().substring(l.getErrorClass().lastIndexOf('.') + 1)
          + (l.getErrorMessage() == null ? "" : ": " + l.getErrorMessage());
      out.printf("%-44s %-38s %-14s %-8d %-24s %s%n", e.reference(), l.getRunId() == null ? "-" : l.getRunId(), l.getNode(),
          l.getAttempts().size(), l.getDeadLetteredAt(), error.length() > 120 ? error.substring(0, 117) + "..." : error);
    }
  }

  /** A dead letter as JSON: the original value as text when it is UTF-8 text, else as base64. */
  static ObjectNode json(DeadLetterQueue.Entry entry) {
    DeadLetter l = entry.letter();
    ObjectNode out = JSON.createObjectNode();
    out.put("ref", entry.reference());
    out.put("runId", l.getRunId());
    out.put("graph", l.getGraph());
    out.put("node", l.getNode());
    out.put("source", l.getSourceTopic() + "-" + l.getSourcePartition() + "@" + l.getSourceOffset());
    out.put("errorClass", l.getErrorClass());
    out.put("errorMessage", l.getErrorMessage());
    out.put("firstFailureAt", l.getFirstFailureAt().toString());
    out.put("deadLetteredAt", l.getDeadLetteredAt().toString());
    ArrayNode attempts = out.putArray("attempts");
    for (AttemptRecord a : l.getAttempts()) {
      attempts.addObject().put("attempt", a.getAttempt()).put("at", a.getTimestamp().toString())
          .put("errorClass", a.getErrorClass()).put("message", a.getMessage());
    }
    putBytes(out, "originalKey", l.getOriginalKey());
    putBytes(out, "originalValue", l.getOriginalValue());
    ObjectNode headers = out.putObject("originalHeaders");
    l.getOriginalHeaders().forEach((name, value) -> putBytes(headers, name.toString(), value));
    return out;
  }

  private static void putBytes(ObjectNode out, String field, ByteBuffer value) {
    if (value == null) {
      out.putNull(field);
      return;
    }
    ByteBuffer copy = value.duplicate();
    Optional<String> text = utf8(copy.duplicate());
    if (text.isPresent() && (copy.remaining() == 0 || copy.get(copy.position()) != 0)) {
      out.put(field, text.get());
    } else {
      byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      out.put(field + "Base64", Base64.getEncoder().encodeToString(bytes));
    }
  }

  private static Optional<String> utf8(ByteBuffer bytes) {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
      return Optional.of(chars.toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
