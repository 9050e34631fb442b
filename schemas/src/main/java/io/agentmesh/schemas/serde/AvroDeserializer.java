package io.agentmesh.schemas.serde;

import io.agentmesh.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for the Confluent wire format: fetches the writer schema by id and resolves
 * it against the reader schema (a given one, the generated class's with {@code specific.avro.reader},
 * the subject's latest with {@code use.latest.version}, else the writer's own).
 */
public final class AvroDeserializer implements Deserializer<Object> {

  private record ReaderKey(int writerId, Schema reader) {}

  private final Schema fixedReader;
  private final Map<ReaderKey, DatumReader<Object>> readers = new ConcurrentHashMap<>();
  private SchemaRegistryClient client;
  private boolean isKey;
  private boolean specific;
  private boolean useLatest;

  /** For Kafka's configuration by class name. */
  public AvroDeserializer() {
    this.fixedReader = null;
  }

  /** With a given client; reads into {@code readerSchema} when not null. */
  public AvroDeserializer(SchemaRegistryClient client, Schema readerSchema, Map<String, ?> configs,
      boolean isKey) {
    this.client = client;
    this.fixedReader = readerSchema;
    Map<String, Object> withUrl = new java.util.HashMap<>(configs);
    withUrl.putIfAbsent(AvroSerdeConfig.SCHEMA_REGISTRY_URL, client.urls());
    apply(new AvroSerdeConfig(withUrl), isKey);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    AvroSerdeConfig config = new AvroSerdeConfig(configs);
    if (client == null) {
      client = SchemaRegistryClient.create(config.urls(), config.requestTimeout());
    }
    apply(config, isKey);
  }

  private void apply(AvroSerdeConfig config, boolean isKey) {
    this.isKey = isKey;
    this.specific = config.specificReader();
    this.useLatest = config.useLatestVersion();
  }

  @Override
  public Object deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (client == null) {
      throw new SerdeException("AvroDeserializer is not configured: set " + AvroSerdeConfig.SCHEMA_REGISTRY_URL);
    }
    ByteBuffer buffer = ByteBuffer.wrap(data);
    int id = WireFormat.readHeader(buffer, topic);
    Schema writer = client.schemaById(id);
    DatumReader<Object> reader = readers.computeIfAbsent(new ReaderKey(id, readerSchema(writer, topic)),
        k -> datumReader(writer, k.reader()));
    try {
      return reader.read(null, DecoderFactory.get().binaryDecoder(data, buffer.position(), buffer.remaining(), null));
    } catch (IOException | RuntimeException e) {
      throw new SerdeException("Cannot decode a record at topic '" + topic + "' written with schema id " + id
          + " (" + writer.getFullName() + "): " + e, e);
    }
  }

  private Schema readerSchema(Schema writer, String topic) {
    if (fixedReader != null) {
      return fixedReader;
    }
    if (specific) {
      Class<?> type = classLoaderData().getClass(writer);
      if (type == null) {
        throw new SerdeException("No generated class " + writer.getFullName() + " on the classpath for topic '"
            + topic + "' (specific.avro.reader=true)");
      }
      return classLoaderData().getSchema(type);
    }
    if (useLatest) {
      return client.latest(WireFormat.subject(topic, isKey)).schema();
    }
    return writer;
  }

  private DatumReader<Object> datumReader(Schema writer, Schema reader) {
    return specific ? new SpecificDatumReader<>(writer, reader, specificData(reader))
        : new GenericDatumReader<>(writer, reader, GenericData.get());
  }

  /**
   * The generated class's own model when there is one: it carries the logical-type conversions
   * (timestamp-millis as Instant, decimals); a bare SpecificData would hand back raw longs.
   */
  private static SpecificData specificData(Schema reader) {
    SpecificData model = SpecificData.getForSchema(reader);
    return model != SpecificData.get() ? model : classLoaderData();
  }

  private static SpecificData classLoaderData() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return loader == null ? SpecificData.get() : new SpecificData(loader);
  }
}
