package io.agentmesh.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.registry.Http.Answer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** One test per endpoint of the Confluent REST API, with its error codes, over real HTTP and a real broker. */
@MeshInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchemaRegistryIT {

  static final String V1 = "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
  static final String V2_DEFAULT = "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
      + "{\"name\":\"age\",\"type\":\"int\",\"default\":0}]}";
  static final String V2_NO_DEFAULT = "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
      + "{\"name\":\"age\",\"type\":\"int\"}]}";

  private SharedInfra infra;
  private SchemaRegistryServer registry;
  private Http http;

  @BeforeAll
  void start(SharedInfra infra) {
    this.infra = infra;
    registry = SchemaRegistryServer.builder().kafkaBootstrap(infra.kafkaBootstrap()).port(0)
        .topic(infra.uniqueName("_schemas")).build().start();
    http = new Http(registry.url());
  }

  @AfterAll
  void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private String subject() {
    return infra.uniqueName("subject") + "-value";
  }

  private static Map<String, Object> schema(String text) {
    return Map.of("schema", text);
  }

  private int register(String subject, String schema) {
    Answer a = http.post("/subjects/" + subject + "/versions", schema(schema));
    assertThat(a.status()).as(a.text()).isEqualTo(200);
    return a.json().get("id").asInt();
  }

  @Test
  void listensOnLoopbackAtTheBoundPort() {
    assertThat(registry.url()).isEqualTo("http://127.0.0.1:" + registry.port());
    assertThat(http.get("/").status()).isEqualTo(200);
  }

  @Test
  void registersASchemaAndReturnsTheSameIdTwice() {
    String s = subject();
    int id = register(s, V1);
    assertThat(register(s, V1)).isEqualTo(id);
    assertThat(register(s, V1.replace(",", " , "))).as("whitespace does not make a new schema").isEqualTo(id);
    assertThat(http.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[1]");
  }

  @Test
  void reusesTheGlobalIdForTheSameSchemaUnderAnotherSubject() {
    String schema = V1.replace("User", "Shared");
    assertThat(register(subject(), schema)).isEqualTo(register(subject(), schema));
  }

  @Test
  void answersWithConfluentsContentTypeAndAcceptsPlainJsonAndOctetStream() {
    String s = subject();
    Answer json = http.send("POST", "/subjects/" + s + "/versions", schema(V1), "application/json");
    Answer octet = http.send("POST", "/subjects/" + s + "/versions", schema(V1), "application/octet-stream");
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.contentType()).isEqualTo(Http.V1);
    assertThat(octet.json()).isEqualTo(json.json());
    Answer xml = http.send("POST", "/subjects/" + s + "/versions", schema(V1), "application/xml");
    assertThat(xml.status()).isEqualTo(415);
  }

  @Test
  void refusesAMalformedSchemaWith42201NamingTheProblem() {
    Answer a = http.post("/subjects/" + subject() + "/versions",
        schema("{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"strin\"}]}"));
    assertThat(a.status()).isEqualTo(422);
    assertThat(a.errorCode()).isEqualTo(42201);
    assertThat(a.json().get("message").asText()).contains("strin");
    assertThat(http.post("/subjects/" + subject() + "/versions", schema("{not json")).errorCode()).isEqualTo(42201);
  }

  @Test
  void refusesSchemaTypesOtherThanAvroWith422() {
    Answer a = http.post("/subjects/" + subject() + "/versions",
        Map.of("schema", "syntax = \"proto3\";", "schemaType", "PROTOBUF"));
    assertThat(a.status()).isEqualTo(422);
    assertThat(a.errorCode()).isEqualTo(42201);
    assertThat(a.json().get("message").asText()).contains("PROTOBUF").contains("only AVRO");
    assertThat(http.get("/schemas/types").json().toString()).isEqualTo("[\"AVRO\"]");
  }

  @Test
  void looksUpASchemaUnderASubject() {
    String s = subject();
    int id = register(s, V1);
    Answer found = http.post("/subjects/" + s, schema(V1));
    assertThat(found.status()).isEqualTo(200);
    assertThat(found.json().get("id").asInt()).isEqualTo(id);
    assertThat(found.json().get("version").asInt()).isEqualTo(1);
    assertThat(found.json().get("subject").asText()).isEqualTo(s);
    assertThat(http.post("/subjects/" + s, schema(V2_DEFAULT)).errorCode()).isEqualTo(40403);
    Answer noSubject = http.post("/subjects/" + subject(), schema(V1));
    assertThat(noSubject.status()).isEqualTo(404);
    assertThat(noSubject.errorCode()).isEqualTo(40401);
  }

  @Test
  void getsASchemaByIdAsJsonAndRaw() {
    String s = subject();
    int id = register(s, V1);
    Answer byId = http.get("/schemas/ids/" + id);
    assertThat(byId.json().get("schema").asText()).isEqualTo(V1);
    assertThat(http.get("/schemas/ids/" + id + "/schema").json().get("name").asText()).isEqualTo("User");
    assertThat(http.get("/schemas/ids/" + id + "/versions").json().toString()).contains(s);
    Answer missing = http.get("/schemas/ids/999999");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.errorCode()).isEqualTo(40403);
  }

  @Test
  void listsSubjects() {
    String s = subject();
    register(s, V1);
    assertThat(http.get("/subjects").json().toString()).contains("\"" + s + "\"");
  }

  @Test
  void listsVersionsAndSays40401ForAnUnknownSubject() {
    String s = subject();
    register(s, V1);
    register(s, V2_DEFAULT);
    assertThat(http.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[1,2]");
    assertThat(http.get("/subjects/" + subject() + "/versions").errorCode()).isEqualTo(40401);
  }

  @Test
  void getsAVersionTheLatestAndTheRawSchema() {
    String s = subject();
    int id1 = register(s, V1);
    int id2 = register(s, V2_DEFAULT);
    Answer v1 = http.get("/subjects/" + s + "/versions/1");
    assertThat(v1.json().get("id").asInt()).isEqualTo(id1);
    assertThat(v1.json().get("schema").asText()).isEqualTo(V1);
    assertThat(http.get("/subjects/" + s + "/versions/latest").json().get("id").asInt()).isEqualTo(id2);
    assertThat(http.get("/subjects/" + s + "/versions/-1").json().get("version").asInt()).isEqualTo(2);
    assertThat(http.get("/subjects/" + s + "/versions/2/schema").json().get("fields").size()).isEqualTo(2);
    assertThat(http.get("/subjects/" + s + "/versions/3").errorCode()).isEqualTo(40402);
    Answer bad = http.get("/subjects/" + s + "/versions/zero");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.errorCode()).isEqualTo(42202);
    assertThat(http.get("/subjects/" + subject() + "/versions/1").errorCode()).isEqualTo(40401);
  }

  @Test
  void refusesAnIncompatibleSchemaWith409UnderBackwardAndAcceptsItUnderNone() {
    String s = subject();
    register(s, V1);
    Answer refused = http.post("/subjects/" + s + "/versions", schema(V2_NO_DEFAULT));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.errorCode()).isEqualTo(409);
    assertThat(refused.json().get("message").asText()).contains(s).contains("age");
    assertThat(http.put("/config/" + s, Map.of("compatibility", "NONE")).status()).isEqualTo(200);
    assertThat(register(s, V2_NO_DEFAULT)).isPositive();
  }

  @Test
  void checksCompatibilityAgainstAVersionOrAll() {
    String s = subject();
    register(s, V1);
    String base = "/compatibility/subjects/" + s + "/versions";
    assertThat(http.post(base + "/latest", schema(V2_DEFAULT)).json().get("is_compatible").asBoolean()).isTrue();
    assertThat(http.post(base + "/1", schema(V2_NO_DEFAULT)).json().get("is_compatible").asBoolean()).isFalse();
    assertThat(http.post(base + "?verbose=true", schema(V2_NO_DEFAULT)).json().get("messages").toString())
        .contains("age");
    assertThat(http.post(base + "/7", schema(V1)).errorCode()).isEqualTo(40402);
    assertThat(http.post(base + "/x", schema(V1)).errorCode()).isEqualTo(42202);
    assertThat(http.post(base + "/1", schema("{")).errorCode()).isEqualTo(42201);
    assertThat(http.post("/compatibility/subjects/" + subject() + "/versions/latest", schema(V1))
        .json().get("is_compatible").asBoolean()).as("nothing registered yet").isTrue();
  }

  @Test
  void readsAndSetsTheGlobalCompatibility() {
    assertThat(http.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    try {
      Answer set = http.put("/config", Map.of("compatibility", "FULL_TRANSITIVE"));
      assertThat(set.json().get("compatibility").asText()).isEqualTo("FULL_TRANSITIVE");
      assertThat(http.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
      Answer bad = http.put("/config", Map.of("compatibility", "SIDEWAYS"));
      assertThat(bad.status()).isEqualTo(422);
      assertThat(bad.errorCode()).isEqualTo(42203);
    } finally {
      http.put("/config", Map.of("compatibility", "BACKWARD"));
    }
  }

  @Test
  void readsSetsAndRemovesASubjectsCompatibility() {
    String s = subject();
    assertThat(http.get("/config/" + s).errorCode()).isEqualTo(40408);
    assertThat(http.get("/config/" + s + "?defaultToGlobal=true").json().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
    http.put("/config/" + s, Map.of("compatibility", "forward"));
    assertThat(http.get("/config/" + s).json().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
    assertThat(http.delete("/config/" + s).json().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
    assertThat(http.get("/config/" + s).errorCode()).isEqualTo(40408);
    assertThat(http.put("/config/" + s, Map.of("compatibility", "nope")).errorCode()).isEqualTo(42203);
  }

  @Test
  void enforcesTransitiveLevelsAgainstEveryVersion() {
    String s = subject();
    http.put("/config/" + s, Map.of("compatibility", "NONE"));
    register(s, V1.replace("\"id\"", "\"name\""));
    register(s, V1);
    http.put("/config/" + s, Map.of("compatibility", "BACKWARD_TRANSITIVE"));
    assertThat(http.post("/subjects/" + s + "/versions", schema(V2_DEFAULT)).status()).isEqualTo(409);
    http.put("/config/" + s, Map.of("compatibility", "BACKWARD"));
    assertThat(register(s, V2_DEFAULT)).isPositive();
  }

  @Test
  void softDeletesAVersionThenDeletesItPermanently() {
    String s = subject();
    int id = register(s, V1);
    register(s, V2_DEFAULT);
    assertThat(http.delete("/subjects/" + s + "/versions/1?permanent=true").errorCode()).isEqualTo(40407);
    assertThat(http.delete("/subjects/" + s + "/versions/1").text()).isEqualTo("1");
    assertThat(http.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[2]");
    assertThat(http.get("/subjects/" + s + "/versions?deleted=true").json().toString()).isEqualTo("[1,2]");
    assertThat(http.get("/subjects/" + s + "/versions/1").errorCode()).isEqualTo(40402);
    assertThat(http.get("/subjects/" + s + "/versions/1?deleted=true").json().get("id").asInt()).isEqualTo(id);
    assertThat(http.get("/schemas/ids/" + id).status()).as("soft-deleted schemas keep their id").isEqualTo(200);
    assertThat(http.delete("/subjects/" + s + "/versions/1?permanent=true").text()).isEqualTo("1");
    assertThat(http.get("/subjects/" + s + "/versions?deleted=true").json().toString()).isEqualTo("[2]");
    assertThat(http.delete("/subjects/" + s + "/versions/9").errorCode()).isEqualTo(40402);
    assertThat(register(s, V1)).as("re-registering after a hard delete gets a new version").isPositive();
    assertThat(http.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[2,3]");
  }

  @Test
  void softDeletesASubjectThenDeletesItPermanently() {
    String s = subject();
    register(s, V1);
    register(s, V2_DEFAULT);
    assertThat(http.delete("/subjects/" + s + "?permanent=true").errorCode()).isEqualTo(40405);
    assertThat(http.delete("/subjects/" + s).json().toString()).isEqualTo("[1,2]");
    assertThat(http.get("/subjects").json().toString()).doesNotContain("\"" + s + "\"");
    assertThat(http.get("/subjects?deleted=true").json().toString()).contains("\"" + s + "\"");
    assertThat(http.get("/subjects/" + s + "/versions").errorCode()).isEqualTo(40401);
    assertThat(http.delete("/subjects/" + s).errorCode()).isEqualTo(40404);
    assertThat(http.delete("/subjects/" + s + "?permanent=true").json().toString()).isEqualTo("[1,2]");
    assertThat(http.get("/subjects?deleted=true").json().toString()).doesNotContain("\"" + s + "\"");
    assertThat(http.delete("/subjects/" + s).errorCode()).isEqualTo(40401);
  }

  @Test
  void answersUnknownPathsWithAJsonError() {
    Answer a = http.get("/nowhere");
    assertThat(a.status()).isEqualTo(404);
    assertThat(a.json().has("error_code")).isTrue();
  }
}
