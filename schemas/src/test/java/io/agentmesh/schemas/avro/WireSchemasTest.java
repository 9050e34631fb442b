package io.agentmesh.schemas.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every wire schema is documented field by field and round-trips through Avro binary. */
class WireSchemasTest {

  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  static Stream<SpecificRecord> fullSamples() {
    return Stream.of(
        Hop.newBuilder()
            .setRunId("run-1").setGraph("g").setGraphVersion("3")
            .setFromNode("planner").setToNode("writer").setEdgeId("planner.writer")
            .setHopCount(2).setAttempt(3)
            .setCreatedAt(NOW).setEnqueuedAt(NOW.plusMillis(5)).setDeadline(NOW.plusSeconds(60))
            .setTrace(new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v"))
            .setPayload(bytes("{\"a\":1}")).setContentType("application/json")
            .setClaimCheck(new ClaimCheck("mesh:{run-1}:payload:1", 5_000_000L, "ab".repeat(32)))
            .setBudget(new Budget(1_000L, 0.25))
            .setFanOut(new FanOut("fo-1", "security", 0, 3))
            .setInputId("in-1")
            .build(),
        RunResult.newBuilder()
            .setRunId("run-1").setGraph("g").setGraphVersion("3").setStatus(RunStatus.FAILED)
            .setOutput(bytes("partial")).setContentType("text/plain")
            .setError(new RunError(ErrorCode.RETRIES_EXHAUSTED, "model kept timing out", "writer"))
            .setStartedAt(NOW).setFinishedAt(NOW.plusSeconds(3))
            .setHops(4).setTokensIn(100L).setTokensOut(50L)
            .build(),
        RunEvent.newBuilder()
            .setRunId("run-1").setGraph("g").setType(RunEventType.NODE_COMPLETED).setNode("writer")
            .setTimestamp(NOW).setAttempt(2).setDetail(bytes("ok")).setDetailContentType("text/plain")
            .setServiceMs(120L).setModelMs(100L).setTokensIn(10L).setTokensOut(20L)
            .build(),
        DeadLetter.newBuilder()
            .setOriginalKey(bytes("run-1")).setOriginalValue(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}))
            .setOriginalHeaders(Map.of("traceparent", bytes("00-x"), "mesh-attempt", bytes("3")))
            .setSourceTopic("mesh.g.edge.planner.writer").setSourcePartition(2).setSourceOffset(42L)
            .setRunId("run-1").setGraph("g").setNode("writer")
            .setErrorClass("java.net.http.HttpTimeoutException").setErrorMessage("timed out")
            .setAttempts(List.of(
                new AttemptRecord(1, NOW, "java.net.http.HttpTimeoutException", "timed out"),
                new AttemptRecord(2, NOW.plusSeconds(1), "java.io.IOException", null)))
            .setFirstFailureAt(NOW).setDeadLetteredAt(NOW.plusSeconds(2))
            .build(),
        Task.newBuilder()
            .setRunId("run-1").setGraph("g").setInput(bytes("{\"question\":\"why?\"}"))
            .setContentType("application/json").setMetadata(Map.of("tenant", "acme"))
            .setDeadline(NOW.plusSeconds(30)).setIdempotencyKey("idem-1")
            .build());
  }

  static Stream<SpecificRecord> minimalSamples() {
    return Stream.of(
        Hop.newBuilder()
            .setRunId("r").setGraph("g").setFromNode("START").setToNode("a").setEdgeId("START.a")
            .setCreatedAt(NOW).setEnqueuedAt(NOW).setInputId("i")
            .build(),
        RunResult.newBuilder()
            .setRunId("r").setGraph("g").setStatus(RunStatus.SUCCEEDED)
            .setStartedAt(NOW).setFinishedAt(NOW)
            .build(),
        RunEvent.newBuilder()
            .setRunId("r").setGraph("g").setType(RunEventType.RUN_STARTED).setTimestamp(NOW)
            .build(),
        DeadLetter.newBuilder()
            .setSourceTopic("t").setSourcePartition(0).setSourceOffset(0L).setGraph("g").setNode("n")
            .setErrorClass("E").setFirstFailureAt(NOW).setDeadLetteredAt(NOW)
            .build(),
        Task.newBuilder().setGraph("g").setInput(bytes("hi")).build());
  }

  static Stream<SpecificRecord> allSamples() {
    return Stream.concat(fullSamples(), minimalSamples());
  }

  @ParameterizedTest
  @MethodSource("fullSamples")
  void everyRecordEnumAndFieldIsDocumented(SpecificRecord sample) {
    List<String> undocumented = new ArrayList<>();
    collectUndocumented(sample.getSchema(), new HashSet<>(), undocumented);
    assertThat(undocumented).as("schema elements without a doc").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("fullSamples")
  void everyOptionalFieldHasADefault(SpecificRecord sample) {
    List<String> missing = new ArrayList<>();
    collectNullableWithoutDefault(sample.getSchema(), new HashSet<>(), missing);
    assertThat(missing).as("nullable fields without a default").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("allSamples")
  void roundTripsThroughAvroBinary(SpecificRecord sample) throws IOException {
    assertThat(decode(encode(sample), sample.getSchema())).isEqualTo(sample);
  }

  private static void collectUndocumented(Schema schema, Set<String> seen, List<String> out) {
    switch (schema.getType()) {
      case RECORD -> {
        if (!seen.add(schema.getFullName())) {
          return;
        }
        if (isBlank(schema.getDoc())) {
          out.add(schema.getFullName());
        }
        for (Schema.Field field : schema.getFields()) {
          if (isBlank(field.doc())) {
            out.add(schema.getName() + "." + field.name());
          }
          collectUndocumented(field.schema(), seen, out);
        }
      }
      case ENUM -> {
        if (seen.add(schema.getFullName()) && isBlank(schema.getDoc())) {
          out.add(schema.getFullName());
        }
      }
      case UNION -> schema.getTypes().forEach(t -> collectUndocumented(t, seen, out));
      case ARRAY -> collectUndocumented(schema.getElementType(), seen, out);
      case MAP -> collectUndocumented(schema.getValueType(), seen, out);
      default -> { }
    }
  }

  private static void collectNullableWithoutDefault(Schema schema, Set<String> seen, List<String> out) {
    if (schema.getType() == Schema.Type.UNION) {
      schema.getTypes().forEach(t -> collectNullableWithoutDefault(t, seen, out));
    } else if (schema.getType() == Schema.Type.ARRAY) {
      collectNullableWithoutDefault(schema.getElementType(), seen, out);
    } else if (schema.getType() == Schema.Type.RECORD && seen.add(schema.getFullName())) {
      for (Schema.Field field : schema.getFields()) {
        if (field.schema().isNullable() && !field.hasDefaultValue()) {
          out.add(schema.getName() + "." + field.name());
        }
        collectNullableWithoutDefault(field.schema(), seen, out);
      }
    }
  }

  private static boolean isBlank(String doc) {
    return doc == null || doc.isBlank();
  }

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] encode(SpecificRecord record) throws IOException {
    var out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static SpecificRecord decode(byte[] data, Schema schema) throws IOException {
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, null);
    return new SpecificDatumReader<SpecificRecord>(schema).read(null, decoder);
  }
}
