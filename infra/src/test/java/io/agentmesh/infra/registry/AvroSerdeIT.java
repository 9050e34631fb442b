package io.agentmesh.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.schemas.registry.SchemaRegistryClient;
import io.agentmesh.schemas.serde.AvroDeserializer;
import io.agentmesh.schemas.serde.AvroSerdeConfig;
import io.agentmesh.schemas.serde.AvroSerializer;
import io.agentmesh.schemas.serde.IncompatibleSchemaException;
import io.agentmesh.schemas.serde.SchemaNotRegisteredException;
import io.agentmesh.schemas.serde.UnknownMagicByteException;
import io.agentmesh.schemas.serde.UnknownSchemaIdException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The Confluent-wire-format serde through a real broker and the real registry. */
@MeshInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AvroSerdeIT {

  static final Schema V1 = new Schema.Parser().parse(SchemaRegistryIT.V1);
  static final Schema V2 = new Schema.Parser().parse(SchemaRegistryIT.V2_DEFAULT);
  static final Schema V2_NO_DEFAULT = new Schema.Parser().parse(SchemaRegistryIT.V2_NO_DEFAULT);

  private SharedInfra infra;
  private SchemaRegistryServer registry;

  @BeforeAll
  void start(SharedInfra infra) {
    this.infra = infra;
    registry = SchemaRegistryServer.builder().kafkaBootstrap(infra.kafkaBootstrap()).port(0)
        .topic(infra.uniqueName("_schemas")).build().start();
  }

  @AfterAll
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private Map<String, Object> serdeConfig(Object... more) {
    Map<String, Object> config = new java.util.HashMap<>(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()));
    for (int i = 0; i < more.length; i += 2) {
      config.put((String) more[i], more[i + 1]);
    }
    return config;
  }

  private AvroSerializer serializer(Object... config) {
    AvroSerializer s = new AvroSerializer();
    s.configure(serdeConfig(config), false);
    return s;
  }

  private AvroDeserializer deserializer(Object... config) {
    AvroDeserializer d = new AvroDeserializer();
    d.configure(serdeConfig(config), false);
    return d;
  }

  private AvroDeserializer readerOf(Schema reader) {
    return new AvroDeserializer(SchemaRegistryClient.create(registry.url()), reader, Map.of(), false);
  }

  static GenericRecord user(Schema schema, String id, Integer age) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", id);
    if (age != null) {
      r.put("age", age);
    }
    return r;
  }

  /** A fresh topic (the embedded broker does not create topics on first use). */
  private String topic(String prefix) throws Exception {
    String topic = infra.uniqueName(prefix);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  private <T> void produce(String topic, Serializer<T> serializer, List<T> values) throws Exception {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    try (KafkaProducer<String, T> producer = new KafkaProducer<>(config, new StringSerializer(), serializer)) {
      for (T value : values) {
        producer.send(new ProducerRecord<>(topic, "k", value)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  private List<Object> consume(String topic, Deserializer<Object> deserializer, int count) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
        ConsumerConfig.GROUP_ID_CONFIG, infra.uniqueName("group"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<Object> values = new ArrayList<>();
    try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config, new StringDeserializer(), deserializer)) {
      consumer.subscribe(List.of(topic));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return values.size() >= count;
      });
    }
    return values;
  }

  @Test
  void roundTripsGenericRecordsThroughTheBroker() throws Exception {
    String topic = topic("generic");
    List<Object> sent = List.of(user(V1, "ada", null), user(V1, "grace", null));
    produce(topic, serializer(), sent);
    assertThat(consume(topic, deserializer(), 2)).isEqualTo(sent);
    assertThat(new Http(registry.url()).get("/subjects/" + topic + "-value/versions").json().toString())
        .isEqualTo("[1]");
  }

  @Test
  void roundTripsGeneratedRecordsWithTheSpecificReader() throws Exception {
    String topic = topic("specific");
    produce(topic, serializer(), List.<Object>of(new Greeting("hello", 3)));
    Object read = consume(topic, deserializer(AvroSerdeConfig.SPECIFIC_AVRO_READER, true), 1).getFirst();
    assertThat(read).isInstanceOfSatisfying(Greeting.class, g -> {
      assertThat(g.text()).isEqualTo("hello");
      assertThat(g.count()).isEqualTo(3);
    });
  }

  @Test
  void aV1ReaderReadsV2DataAndAV2ReaderReadsV1Data() throws Exception {
    String topic = topic("evolution");
    produce(topic, serializer(), List.<Object>of(user(V1, "old", null), user(V2, "new", 42)));

    List<Object> asV1 = consume(topic, readerOf(V1), 2);
    assertThat(asV1).extracting(r -> ((GenericRecord) r).getSchema()).containsOnly(V1);
    assertThat(asV1).extracting(r -> ((GenericRecord) r).get("id").toString()).containsExactly("old", "new");

    List<Object> asV2 = consume(topic, readerOf(V2), 2);
    assertThat(asV2).extracting(r -> ((GenericRecord) r).get("age")).containsExactly(0, 42);

    List<Object> asLatest = consume(topic, deserializer(AvroSerdeConfig.USE_LATEST_VERSION, true), 2);
    assertThat(asLatest).extracting(r -> ((GenericRecord) r).getSchema()).containsOnly(V2);
  }

  @Test
  void writesWithTheLatestSchemaWhenAsked() throws Exception {
    String topic = topic("latest");
    produce(topic, serializer(), List.<Object>of(user(V2, "first", 7)));
    produce(topic, serializer(AvroSerdeConfig.USE_LATEST_VERSION, true, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false),
        List.<Object>of(user(V1, "second", null)));
    List<Object> read = consume(topic, deserializer(), 2);
    assertThat(read).extracting(r -> ((GenericRecord) r).getSchema()).containsOnly(V2);
    assertThat(read).extracting(r -> ((GenericRecord) r).get("age")).containsExactly(7, 0);
  }

  @Test
  void aWrongMagicByteFailsThePollNamingTheByteTopicAndPartition() throws Exception {
    String topic = topic("magic");
    produce(topic, new ByteArraySerializer(), List.of(new byte[] {7, 0, 0, 0, 1, 2}));
    assertThatThrownBy(() -> consume(topic, deserializer(), 1))
        .isInstanceOfSatisfying(RecordDeserializationException.class, e -> {
          assertThat(e.topicPartition().topic()).isEqualTo(topic);
          assertThat(e.offset()).isZero();
        })
        .cause().isInstanceOf(UnknownMagicByteException.class)
        .hasMessageContaining("0x07").hasMessageContaining(topic);
  }

  @Test
  void anUnknownSchemaIdFailsThePollNamingTheId() throws Exception {
    String topic = topic("unknown-id");
    produce(topic, new ByteArraySerializer(), List.of(new byte[] {0, 0, 0x7f, 0x7f, 0x7f, 2}));
    assertThatThrownBy(() -> consume(topic, deserializer(), 1))
        .isInstanceOf(RecordDeserializationException.class)
        .cause().isInstanceOfSatisfying(UnknownSchemaIdException.class,
            e -> assertThat(e.schemaId()).isEqualTo(0x007f7f7f))
        .hasMessageContaining(registry.url());
  }

  @Test
  void anIncompatibleSchemaFailsTheSerializerWithTheRegistrysMessage() throws Exception {
    String topic = topic("incompatible");
    AvroSerializer serializer = serializer();
    serializer.serialize(topic, user(V1, "a", null));
    assertThatThrownBy(() -> serializer.serialize(topic, user(V2_NO_DEFAULT, "b", 1)))
        .isInstanceOfSatisfying(IncompatibleSchemaException.class,
            e -> assertThat(e.subject()).isEqualTo(topic + "-value"))
        .hasMessageContaining("age");
  }

  @Test
  void anUnregisteredSchemaFailsWhenAutoRegisterIsOff() throws Exception {
    String topic = topic("no-auto");
    AvroSerializer serializer = serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    assertThatThrownBy(() -> serializer.serialize(topic, user(V1, "a", null)))
        .isInstanceOf(SchemaNotRegisteredException.class)
        .hasMessageContaining(topic + "-value");
  }
}
