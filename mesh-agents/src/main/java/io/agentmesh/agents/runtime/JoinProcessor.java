package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.MeshException;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.state.ClaimCheck;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.wire.JsonMappers;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.avro.ErrorCode;
import io.agentmesh.schemas.avro.FanOut;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.serde.WireCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join's Kafka Streams processor: collects the branch hops of each (run, fan-out) in a
 * changelogged store and, when the join's policy is met (all branches, a quorum, or the timeout
 * of a wall-clock punctuator), merges them and hands one synthetic hop to the join's
 * {@link HopHandler}, whose output (hops, events, result) goes out in the same Streams transaction
 * as the store update and the input offsets (exactly_once_v2).
 *
 * <p>Once decided, an entry stays in the store marked done for {@link #DONE_RETENTION}, so a late
 * branch (after a quorum or timeout) is dropped instead of opening a second join. The merged hop's
 * input id derives from (run, fan-out, join), so a re-run after a crash hits the join's checkpoint
 * and re-emits the same output.
 */
final class JoinProcessor implements Processor<byte[], byte[], byte[], JoinProcessor.Outgoing> {

  static final String STORE = "join-state";
  /** How often a failed branch is re-sent under {@code onBranchFailure: retry} before the run fails. */
  static final int MAX_BRANCH_RETRIES = 2;
  static final Duration DONE_RETENTION = Duration.ofHours(1);
  static final Duration PENDING_RETENTION = Duration.ofDays(1);
  private static final Logger LOG = LoggerFactory.getLogger(JoinProcessor.class);
  private static final ObjectMapper JSON = JsonMappers.create();

  /** A record for the sink: its topic and its value. */
  record Outgoing(String topic, byte[] value) {}

  /** One arrived branch; {@code hop} is the branch's hop, Avro binary. */
  record Branch(String id, int index, boolean failed, String error, byte[] hop) {}

  /** What the store keeps per (run, fan-out). */
  record JoinState(String runId, String fanOutId, int expected, long firstSeenMs, boolean done, long doneAtMs,
                   List<Branch> branches) {

    JoinState with(Branch branch) {
      List<Branch> next = new ArrayList<>(branches);
      next.add(branch);
      return new JoinState(runId, fanOutId, expected, firstSeenMs, done, doneAtMs, next);
    }

    JoinState finished(long nowMs) {
      return new JoinState(runId, fanOutId, expected, firstSeenMs, true, nowMs, branches);
    }

    boolean has(String branchId) {
      return branches.stream().anyMatch(b -> b.id().equals(branchId));
    }

    List<Branch> succeeded() {
      return branches.stream().filter(b -> !b.failed()).sorted(Comparator.comparingInt(Branch::index)).toList();
    }
  }

  private final JoinNode join;
  private final TopicNames topics;
  private final WireCodec codec;
  private final MeshRedis redis;
  private final HopHandler handler;
  private final JoinMerger merger;
  private final Clock clock;
  private ProcessorContext<byte[], Outgoing> context;
  private KeyValueStore<String, byte[]> store;

  JoinProcessor(JoinNode join, JoinMerger merger, TopicNames topics, WireCodec codec, MeshRedis redis, HopHandler handler,
                Clock clock) {
    this.join = join;
    this.topics = topics;
    this.codec = codec;
    this.redis = redis;
    this.handler = handler;
    this.merger = merger;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<byte[], Outgoing> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    long every = join.timeout().map(t -> Math.max(50, Math.min(1_000, t.toMillis() / 5))).orElse(1_000L);
    context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String topic = context.recordMetadata().map(RecordMetadata::topic).orElseThrow();
    Hop hop;
    try {
      hop = codec.decode(topic, record.value(), Hop.class);
    } catch (RuntimeException poison) { // HopHandler dead-letters it and fails the run its key names
      publish(handler.handle(consumerRecord(topic, record.key(), record.value())));
      return;
    }
    FanOut fan = hop.getFanOut();
    String fanOutId = fan == null ? hop.getInputId() : fan.getFanOutId();
    String key = hop.getRunId() + "|" + fanOutId;
    JoinState state = load(key).orElseGet(() -> new JoinState(hop.getRunId(), fanOutId,
        join.expectedBranches().orElse(fan == null ? 1 : fan.getBranchCount()), clock.millis(), false, 0, List.of()));
    String branchId = fan == null ? hop.getFromNode() : fan.getBranchId();
    if (state.done() || state.has(branchId)) {
      LOG.debug("join {}: run {} branch {} arrived after the join decided or twice; dropped", join.name(), hop.getRunId(), branchId);
      return;
    }
    int index = fan == null ? 0 : fan.getBranchIndex();
    if (BranchFailures.CONTENT_TYPE.equals(hop.getContentType())) {
      BranchFailures.Failure failure = BranchFailures.decode(WireCodec.bytes(hop.getPayload()));
      if (join.onBranchFailure() == JoinNode.BranchFailure.RETRY) {
        if (failure.input().getAttempt() <= MAX_BRANCH_RETRIES && !failure.input().getFromNode().equals("START")) {
          retry(failure.input());
          store.put(key, write(state));
          return;
        }
        finish(key, state, verdictHop(state, hop, ErrorCode.RETRIES_EXHAUSTED, "join '" + join.name() + "': branch '"
            + branchId + "' failed after " + failure.input().getAttempt() + " attempts: " + failure.message()));
        return;
      }
      state = state.with(new Branch(branchId, index, true, failure.code() + ": " + failure.message(), avro(hop)));
    } else {
      state = state.with(new Branch(branchId, index, false, null, avro(hop)));
    }
    decide(key, state);
  }

  private void decide(String key, JoinState state) {
    int succeeded = state.succeeded().size();
    int arrived = state.branches().size();
    if (join.policy() == JoinNode.Policy.QUORUM && succeeded >= join.quorum()) {
      finish(key, state, mergedHop(state));
    } else if (arrived >= state.expected()) {
      if (join.policy() == JoinNode.Policy.QUORUM) {
        finish(key, state, verdictHop(state, null, firstFailureCode(state), "join '" + join.name() + "': only " + succeeded
            + " of " + arrived + " branches succeeded, the quorum is " + join.quorum() + failures(state)));
      } else if (succeeded == 0) {
        finish(key, state, verdictHop(state, null, firstFailureCode(state), "join '" + join.name() + "': every branch failed"
            + failures(state)));
      } else {
        finish(key, state, mergedHop(state));
      }
    } else {
      store.put(key, write(state));
    }
  }

  /** Timeouts, run deadlines and housekeeping, on wall-clock time. */
  private void punctuate(long now) {
    List<KeyValue<String, JoinState>> entries = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> all = store.all()) {
      all.forEachRemaining(kv -> entries.add(KeyValue.pair(kv.key, read(kv.value))));
    }
    for (KeyValue<String, JoinState> entry : entries) {
      JoinState state = entry.value;
      long age = now - state.firstSeenMs();
      if (state.done()) {
        if (now - state.doneAtMs() > DONE_RETENTION.toMillis()) {
          store.delete(entry.key);
        }
      } else if (join.timeout().isPresent() && age >= join.timeout().get().toMillis()) {
        onTimeout(entry.key, state);
      } else if (deadlinePassed(state, now)) {
        finish(entry.key, state, verdictHop(state, null, ErrorCode.DEADLINE_EXCEEDED, "join '" + join.name()
            + "': the run passed its deadline with " + state.branches().size() + " of " + state.expected() + " branches"));
      } else if (age > PENDING_RETENTION.toMillis()) {
        store.delete(entry.key);
      }
    }
  }

  /** Policy timeout (or continue-on-failure): go on with what arrived; otherwise the run fails. */
  private void onTimeout(String key, JoinState state) {
    int succeeded = state.succeeded().size();
    String what = state.branches().size() + " of " + state.expected() + " branches after " + join.timeout().get();
    boolean goOn = join.policy() == JoinNode.Policy.TIMEOUT
        || (join.policy() == JoinNode.Policy.ALL && join.onBranchFailure() == JoinNode.BranchFailure.CONTINUE);
    if (goOn && succeeded > 0) {
      LOG.info("join {}: run {} timed out with {}; continuing with what arrived", join.name(), state.runId(), what);
      finish(key, state, mergedHop(state));
    } else {
      finish(key, state, verdictHop(state, null, ErrorCode.DEADLINE_EXCEEDED, "join '" + join.name() + "' timed out with "
          + what + (join.policy() == JoinNode.Policy.QUORUM ? " (quorum " + join.quorum() + ")" : "")));
    }
  }

  /** The merged output as the join's input hop; a failing reducer fails the run. */
  private Hop mergedHop(JoinState state) {
    List<JoinMerger.Arrived> arrived = new ArrayList<>();
    for (Branch branch : state.succeeded()) {
      Hop hop = hop(branch);
      arrived.add(new JoinMerger.Arrived(branch.id(), branch.index(), payload(hop), hop.getContentType()));
    }
    JoinMerger.Merged merged;
    try {
      merged = merger.merge(arrived, () -> HopHandler.await(redis.runState().get(state.runId())).value());
    } catch (Exception e) {
      return verdictHop(state, null, ErrorCode.INTERNAL, "join '" + join.name() + "': merge " + join.merge().name().toLowerCase()
          + " failed: " + (e instanceof MeshException ? e.getMessage() : e));
    }
    return synthetic(state, merged.payload(), merged.contentType());
  }

  private Hop verdictHop(JoinState state, Hop arriving, ErrorCode code, String message) {
    JoinState withTemplate = state.branches().isEmpty() && arriving != null
        ? state.with(new Branch("?", Integer.MAX_VALUE, true, message, avro(arriving))) : state;
    return synthetic(withTemplate, JoinExecutor.failure(code, message), JoinExecutor.FAILURE_TYPE);
  }

  /**
   * A hop into the join carrying {@code payload}, its run fields taken from the lowest branch. The
   * merged fan-out is over: the hop belongs to the fan-out it was started inside, if any.
   */
  private Hop synthetic(JoinState state, byte[] payload, String contentType) {
    List<Hop> hops = state.branches().stream().sorted(Comparator.comparingInt(Branch::index)).map(JoinProcessor::hop).toList();
    Hop template = hops.getFirst();
    int hopCount = hops.stream().mapToInt(Hop::getHopCount).max().orElse(template.getHopCount());
    List<FanOut> enclosing = template.getEnclosingFanOuts();
    return Hop.newBuilder(template)
        .setToNode(join.name())
        .setHopCount(hopCount)
        .setAttempt(1)
        .setPayload(ByteBuffer.wrap(payload))
        .setContentType(contentType)
        .setClaimCheck(null)
        .setFanOut(enclosing.isEmpty() ? null : enclosing.getFirst())
        .setEnclosingFanOuts(enclosing.isEmpty() ? List.of() : List.copyOf(enclosing.subList(1, enclosing.size())))
        .setInputId(HopHandler.sha256Hex(state.runId() + "|" + state.fanOutId() + "|" + join.name()).substring(0, 32))
        .build();
  }

  /** Runs the join's node step on the decided hop and publishes what it produced; the entry is done. */
  private void finish(String key, JoinState state, Hop decided) {
    String topic = topics.edge(decided.getFromNode(), join.name());
    Outcome outcome = handler.handle(consumerRecord(topic, decided.getRunId().getBytes(StandardCharsets.UTF_8),
        codec.encode(topic, decided)));
    publish(outcome);
    store.put(key, write(state.finished(clock.millis())));
    outcome.afterCommit().run(); // run-record bookkeeping; a replay after a crash repeats it idempotently
  }

  private void retry(Hop input) {
    String topic = topics.edge(input.getFromNode(), input.getToNode());
    Hop again = Hop.newBuilder(input).setAttempt(input.getAttempt() + 1).setEnqueuedAt(clock.instant()).build();
    LOG.info("join {}: run {} branch {} failed; re-sending it (attempt {})", join.name(), input.getRunId(),
        input.getToNode(), again.getAttempt());
    publish(Outcome.of(List.of(new ProducerRecord<>(topic, null, input.getRunId().getBytes(StandardCharsets.UTF_8),
        codec.encode(topic, again), new RecordHeaders()))));
  }

  private void publish(Outcome outcome) {
    long now = clock.millis();
    for (ProducerRecord<byte[], byte[]> out : outcome.records()) {
      context.forward(new Record<>(out.key(), new Outgoing(out.topic(), out.value()), now, out.headers()));
    }
  }

  private boolean deadlinePassed(JoinState state, long now) {
    return state.branches().stream().map(JoinProcessor::hop).map(Hop::getDeadline)
        .anyMatch(d -> d != null && d.toEpochMilli() < now);
  }

  private static ErrorCode firstFailureCode(JoinState state) {
    return state.branches().stream().filter(Branch::failed).map(b -> b.error().split(":", 2)[0])
        .map(code -> {
          try {
            return ErrorCode.valueOf(code);
          } catch (IllegalArgumentException e) {
            return ErrorCode.INTERNAL;
          }
        }).findFirst().orElse(ErrorCode.INTERNAL);
  }

  private static String failures(JoinState state) {
    List<String> failed = state.branches().stream().filter(Branch::failed).map(b -> b.id() + " (" + b.error() + ")").toList();
    return failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed);
  }

  private byte[] payload(Hop hop) {
    if (hop.getClaimCheck() == null) {
      return WireCodec.bytes(hop.getPayload());
    }
    io.agentmesh.schemas.avro.ClaimCheck ref = hop.getClaimCheck();
    return HopHandler.await(redis.claimCheck().get(new ClaimCheck.Reference(ref.getRedisKey(), ref.getSizeBytes(), ref.getSha256())));
  }

  private ConsumerRecord<byte[], byte[]> consumerRecord(String topic, byte[] key, byte[] value) {
    Optional<RecordMetadata> meta = context.recordMetadata();
    return new ConsumerRecord<>(topic, meta.map(RecordMetadata::partition).orElse(0), meta.map(RecordMetadata::offset).orElse(-1L),
        clock.millis(), TimestampType.CREATE_TIME, 0, 0, key, value, new RecordHeaders(), Optional.empty());
  }

  private Optional<JoinState> load(String key) {
    byte[] bytes = store.get(key);
    return bytes == null ? Optional.empty() : Optional.of(read(bytes));
  }

  private static byte[] avro(Hop hop) {
    try {
      return WireCodec.bytes(hop.toByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Hop hop(Branch branch) {
    try {
      return Hop.fromByteBuffer(ByteBuffer.wrap(branch.hop()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(JoinState state) {
    try {
      return JSON.writeValueAsBytes(state);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JoinState read(byte[] bytes) {
    try {
      return JSON.readValue(bytes, JoinState.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
