package io.agentmesh.schemas.serde;

import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The Avro serializer and deserializer as one Kafka {@link Serde} (for Kafka Streams). */
public final class AvroSerde implements Serde<Object> {

  private final AvroSerializer serializer = new AvroSerializer();
  private final AvroDeserializer deserializer = new AvroDeserializer();

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    serializer.configure(configs, isKey);
    deserializer.configure(configs, isKey);
  }

  @Override
  public Serializer<Object> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<Object> deserializer() {
    return deserializer;
  }
}
