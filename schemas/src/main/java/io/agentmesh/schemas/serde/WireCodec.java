package io.agentmesh.schemas.serde;

import io.agentmesh.schemas.avro.DeadLetter;
import io.agentmesh.schemas.avro.Hop;
import io.agentmesh.schemas.avro.RunEvent;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.Task;
import io.agentmesh.schemas.registry.SchemaRegistryClient;
import io.agentmesh.schemas.serde.AvroDeserializer;
import io.agentmesh.schemas.serde.AvroSerdeConfig;
import io.agentmesh.schemas.serde.AvroSerializer;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro in the Confluent wire format for every message the mesh publishes or reads, through one
 * registry client (ids and schemas cached). Thread-safe.
 */
public final class WireCodec {

  private static final Map<Class<?>, Schema> READERS = Map.of(
      Hop.class, Hop.getClassSchema(),
      RunResult.class, RunResult.getClassSchema(),
      RunEvent.class, RunEvent.getClassSchema(),
      DeadLetter.class, DeadLetter.getClassSchema(),
      Task.class, Task.getClassSchema());

  private final SchemaRegistryClient registry;
  private final Map<String, Object> configs;
  private final AvroSerializer serializer;
  private final Map<Class<?>, AvroDeserializer> deserializers = new ConcurrentHashMap<>();

  private WireCodec(SchemaRegistryClient registry) {
    this.registry = registry;
    this.configs = Map.of(
        AvroSerdeConfig.SCHEMA_REGISTRY_URL, String.join(",", registry.urls()),
        AvroSerdeConfig.SPECIFIC_AVRO_READER, true,
        AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, true);
    this.serializer = new AvroSerializer(registry, configs, false);
  }

  /** A codec over the registry at {@code url}. */
  public static WireCodec forRegistry(String url) {
    return new WireCodec(SchemaRegistryClient.create(url));
  }

  /** Confluent wire-format bytes of a record for a topic (TopicNameStrategy subject). */
  public byte[] encode(String topic, SpecificRecord record) {
    return serializer.serialize(topic, record);
  }

  /** Decodes wire-format bytes into one of the mesh's message types; typed SerdeExceptions on bad bytes. */
  public <T extends SpecificRecord> T decode(String topic, byte[] bytes, Class<T> type) {
    AvroDeserializer deserializer = deserializers.computeIfAbsent(type, t -> {
      Schema reader = READERS.get(t);
      if (reader == null) {
        throw new IllegalArgumentException("not a mesh message type: " + t.getName());
      }
      return new AvroDeserializer(registry, reader, configs, false);
    });
    return type.cast(deserializer.deserialize(topic, bytes));
  }

  /** The bytes of an Avro {@code bytes} field, leaving the buffer's position untouched. */
  public static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }

  /** True when the bytes start with the Confluent wire format's magic byte. */
  public static boolean looksLikeAvro(byte[] bytes) {
    return bytes != null && bytes.length > 5 && bytes[0] == 0;
  }
}
