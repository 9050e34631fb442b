package io.agentmesh.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Schemas live in the topic: they come back after a restart and several instances converge. */
@MeshInfraTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SchemaRegistryRestartIT {

  private static SchemaRegistryServer start(SharedInfra infra, String topic) {
    return SchemaRegistryServer.builder().kafkaBootstrap(infra.kafkaBootstrap()).port(0).topic(topic).build().start();
  }

  @Test
  void keepsSchemasIdsVersionsAndConfigAcrossARestart(SharedInfra infra) throws Exception {
    String topic = infra.uniqueName("_schemas");
    int id1;
    int id2;
    try (SchemaRegistryServer first = start(infra, topic)) {
      Http http = new Http(first.url());
      id1 = http.post("/subjects/a-value/versions", Map.of("schema", SchemaRegistryIT.V1)).json().get("id").asInt();
      id2 = http.post("/subjects/a-value/versions", Map.of("schema", SchemaRegistryIT.V2_DEFAULT)).json().get("id").asInt();
      http.put("/config/a-value", Map.of("compatibility", "FULL"));
      http.post("/subjects/gone-value/versions", Map.of("schema", "\"string\""));
      http.delete("/subjects/gone-value");
    }
    try (SchemaRegistryServer second = start(infra, topic)) {
      Http http = new Http(second.url());
      assertThat(http.get("/subjects/a-value/versions/1").json().get("id").asInt()).isEqualTo(id1);
      assertThat(http.get("/subjects/a-value/versions/latest").json().get("id").asInt()).isEqualTo(id2);
      assertThat(http.get("/schemas/ids/" + id2).json().get("schema").asText()).isEqualTo(SchemaRegistryIT.V2_DEFAULT);
      assertThat(http.get("/config/a-value").json().get("compatibilityLevel").asText()).isEqualTo("FULL");
      assertThat(http.get("/subjects").json().toString()).isEqualTo("[\"a-value\"]");
      assertThat(http.post("/subjects/a-value/versions", Map.of("schema", SchemaRegistryIT.V1)).json().get("id").asInt())
          .as("the same schema keeps its id").isEqualTo(id1);
      int fresh = http.post("/subjects/b-value/versions", Map.of("schema", "\"long\"")).json().get("id").asInt();
      assertThat(fresh).as("new ids follow the old ones").isGreaterThan(Math.max(id1, id2) + 0);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrap()))) {
      TopicDescription d = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      assertThat(d.partitions()).hasSize(1);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      assertThat(admin.describeConfigs(java.util.List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
          .get("cleanup.policy").value()).isEqualTo("compact");
    }
  }

  @Test
  void twoInstancesOnOneTopicConverge(SharedInfra infra) {
    String topic = infra.uniqueName("_schemas");
    try (SchemaRegistryServer a = start(infra, topic); SchemaRegistryServer b = start(infra, topic)) {
      int id = new Http(a.url()).post("/subjects/x-value/versions", Map.of("schema", SchemaRegistryIT.V1))
          .json().get("id").asInt();
      Http other = new Http(b.url());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(other.get("/schemas/ids/" + id).status()).isEqualTo(200));
      assertThat(other.post("/subjects/x-value/versions", Map.of("schema", SchemaRegistryIT.V1)).json().get("id").asInt())
          .isEqualTo(id);
    }
  }

  @Test
  void failsClearlyWhenThePortIsTaken(SharedInfra infra) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> SchemaRegistryServer.builder().kafkaBootstrap(infra.kafkaBootstrap())
          .port(taken.getLocalPort()).topic(infra.uniqueName("_schemas")).build().start())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("port is taken");
    }
  }

  @Test
  void failsClearlyWhenKafkaIsUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + closedPort;
    assertThatThrownBy(() -> SchemaRegistryServer.builder().kafkaBootstrap(bootstrap).port(0)
        .timeout(Duration.ofSeconds(3)).build().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Kafka at " + bootstrap + " is unreachable");
  }

  @Test
  void rejectsBadSettingsAtBuild() {
    assertThatThrownBy(() -> SchemaRegistryServer.builder().port(0).build())
        .hasMessageContaining("kafkaBootstrap");
    assertThatThrownBy(() -> SchemaRegistryServer.builder().kafkaBootstrap("x:1").port(70_000).build())
        .hasMessageContaining("port").hasMessageContaining("70000");
  }
}
