package io.agentmesh.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** What the serde decides without a registry answering: wire format, config, unreachable registry. */
class AvroSerdeTest {

  /** A loopback URL where nothing listens. */
  static String deadUrl() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }

  private static AvroDeserializer deserializer(String url) {
    AvroDeserializer d = new AvroDeserializer();
    d.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url), false);
    return d;
  }

  @Test
  void refusesAWrongMagicByteNamingTheByteAndTopicBeforeAskingTheRegistry() throws IOException {
    assertThatThrownBy(() -> deserializer(deadUrl()).deserialize("orders", new byte[] {(byte) 0xAB, 0, 0, 0, 1}))
        .isInstanceOfSatisfying(UnknownMagicByteException.class, e -> {
          assertThat(e.magicByte() & 0xff).isEqualTo(0xAB);
          assertThat(e.retriable()).isFalse();
        })
        .hasMessageContaining("0xab").hasMessageContaining("'orders'");
  }

  @Test
  void refusesARecordTooShortForTheHeader() throws IOException {
    assertThatThrownBy(() -> deserializer(deadUrl()).deserialize("orders", new byte[] {0, 0}))
        .isInstanceOf(SerdeException.class).hasMessageContaining("too short");
  }

  @Test
  void passesNullsThrough() throws IOException {
    assertThat(deserializer(deadUrl()).deserialize("orders", null)).isNull();
  }

  @Test
  void saysWhichRegistryIsUnreachable() throws IOException {
    String url = deadUrl();
    assertThatThrownBy(() -> deserializer(url).deserialize("orders", new byte[] {0, 0, 0, 0, 1, 2}))
        .isInstanceOfSatisfying(RegistryUnreachableException.class, e -> assertThat(e.retriable()).isTrue())
        .hasMessageContaining(url);
    AvroSerializer serializer = new AvroSerializer();
    serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url), false);
    assertThatThrownBy(() -> serializer.serialize("orders", "text"))
        .isInstanceOf(RegistryUnreachableException.class).hasMessageContaining(url);
  }

  @Test
  void needsARegistryUrlAndKnowsConfluentsDefaults() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "http://a:1,http://b:2"));
    assertThat(config.urls()).containsExactly("http://a:1", "http://b:2");
    assertThat(config.autoRegister()).isTrue();
    assertThat(config.useLatestVersion()).isFalse();
    assertThat(config.specificReader()).isFalse();
    assertThatThrownBy(() -> SchemaRegistryClient.create("localhost:8081"))
        .hasMessageContaining("http(s)://host:port");
  }

  @Test
  void findsTheSchemaOfRecordsAndPrimitivesAndRefusesOtherTypes() {
    Schema record = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}");
    assertThat(AvroSerializer.schemaOf(new GenericData.Record(record), "t")).isEqualTo(record);
    assertThat(AvroSerializer.schemaOf("s", "t").getType()).isEqualTo(Schema.Type.STRING);
    assertThat(AvroSerializer.schemaOf(1L, "t").getType()).isEqualTo(Schema.Type.LONG);
    assertThat(AvroSerializer.schemaOf(new byte[0], "t").getType()).isEqualTo(Schema.Type.BYTES);
    assertThatThrownBy(() -> AvroSerializer.schemaOf(new Object(), "t"))
        .isInstanceOf(SerdeException.class).hasMessageContaining("java.lang.Object").hasMessageContaining("'t'");
  }

  @Test
  void namesSubjectsAfterTheTopic() {
    assertThat(WireFormat.subject("orders", false)).isEqualTo("orders-value");
    assertThat(WireFormat.subject("orders", true)).isEqualTo("orders-key");
  }
}
