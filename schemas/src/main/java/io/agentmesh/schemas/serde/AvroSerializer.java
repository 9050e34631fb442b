package io.agentmesh.schemas.serde;

import io.agentmesh.schemas.registry.RegisteredSchema;
import io.agentmesh.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing Avro records (generic or generated) and primitives in the Confluent
 * wire format, registering or looking up their schema under {@code <topic>-key|-value}.
 */
public final class AvroSerializer implements Serializer<Object> {

  private SchemaRegistryClient client;
  private boolean isKey;
  private boolean autoRegister = true;
  private boolean useLatest;

  /** For Kafka's configuration by class name; {@link #configure} supplies the registry. */
  public AvroSerializer() {}

  /** With a given client and settings (registry URL not needed in them). */
  public AvroSerializer(SchemaRegistryClient client, Map<String, ?> configs, boolean isKey) {
    this.client = client;
    apply(configs, isKey);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    AvroSerdeConfig config = new AvroSerdeConfig(configs);
    if (client == null) {
      client = SchemaRegistryClient.create(config.urls(), config.requestTimeout());
    }
    apply(configs, isKey);
  }

  private void apply(Map<String, ?> configs, boolean isKey) {
    Map<String, Object> withUrl = new java.util.HashMap<>(configs);
    withUrl.putIfAbsent(AvroSerdeConfig.SCHEMA_REGISTRY_URL, client.urls());
    AvroSerdeConfig config = new AvroSerdeConfig(withUrl);
    this.isKey = isKey;
    this.autoRegister = config.autoRegister();
    this.useLatest = config.useLatestVersion();
  }

  @Override
  public byte[] serialize(String topic, Object data) {
    if (data == null) {
      return null;
    }
    if (client == null) {
      throw new SerdeException("AvroSerializer is not configured: set " + AvroSerdeConfig.SCHEMA_REGISTRY_URL);
    }
    Schema schema = schemaOf(data, topic);
    String subject = WireFormat.subject(topic, isKey);
    int id;
    if (useLatest) {
      RegisteredSchema latest = client.latest(subject);
      if (!latest.schema().equals(schema)) {
        data = convert(data, schema, latest.schema(), topic);
        schema = latest.schema();
      }
      id = latest.id();
    } else {
      id = autoRegister ? client.register(subject, schema) : client.idOf(subject, schema);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(WireFormat.MAGIC);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    write(data, schema, out, topic);
    return out.toByteArray();
  }

  private static void write(Object data, Schema schema, ByteArrayOutputStream out, String topic) {
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      GenericDatumWriter<Object> writer = data instanceof SpecificRecord
          ? new SpecificDatumWriter<>(schema, SpecificData.getForClass(data.getClass()))
          : new GenericDatumWriter<>(schema, GenericData.get());
      writer.write(data, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerdeException("Cannot write a " + data.getClass().getName() + " for topic '" + topic
          + "' with schema " + schema.getFullName() + ": " + e.getMessage(), e);
    }
  }

  /** Re-reads data written with {@code from} as {@code to} (Avro schema resolution). */
  private static Object convert(Object data, Schema from, Schema to, String topic) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    write(data, from, bytes, topic);
    try {
      return new GenericDatumReader<>(from, to, GenericData.get())
          .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    } catch (IOException | AvroRuntimeException e) {
      throw new SerdeException("Cannot write a " + from.getFullName() + " for topic '" + topic
          + "' with the subject's latest schema (use.latest.version): " + e.getMessage(), e);
    }
  }

  /** The Avro schema of a record or primitive value. */
  static Schema schemaOf(Object data, String topic) {
    return switch (data) {
      case GenericContainer c -> c.getSchema();
      case CharSequence s -> Schema.create(Schema.Type.STRING);
      case Integer i -> Schema.create(Schema.Type.INT);
      case Long l -> Schema.create(Schema.Type.LONG);
      case Float f -> Schema.create(Schema.Type.FLOAT);
      case Double d -> Schema.create(Schema.Type.DOUBLE);
      case Boolean b -> Schema.create(Schema.Type.BOOLEAN);
      case byte[] b -> Schema.create(Schema.Type.BYTES);
      case ByteBuffer b -> Schema.create(Schema.Type.BYTES);
      default -> throw new SerdeException("Cannot serialize a " + data.getClass().getName() + " for topic '"
          + topic + "': not an Avro record (GenericRecord, SpecificRecord) nor an Avro primitive");
    };
  }
}
