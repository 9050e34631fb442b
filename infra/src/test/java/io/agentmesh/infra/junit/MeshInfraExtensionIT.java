package io.agentmesh.infra.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeshInfraExtensionIT {

  @Test
  void handsOutOneBrokerAndOneRedisPerJvm(SharedInfra first, SharedInfra second) throws Exception {
    assertThat(first).isSameAs(second);
    String topic = first.uniqueName("ext");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", first.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      // the controller has the topic; the broker answering listTopics learns of it a moment later
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic));
    }
    RedisClient client = RedisClient.create(first.redisUri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().ping()).isEqualTo("PONG");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void givesEveryCallerAUniqueName(SharedInfra infra) {
    assertThat(infra.uniqueName("t")).isNotEqualTo(infra.uniqueName("t"));
  }

  @Test
  void skipsTheTestcontainersBrokerWithoutDocker() {
    if (ContainerBroker.dockerAvailable()) {
      return; // with Docker the container path runs for real; nothing to check here
    }
    try (SharedInfra infra = SharedInfra.of("testcontainers")) {
      assertThatThrownBy(infra::kafkaBootstrap)
          .isInstanceOf(TestAbortedException.class)
          .hasMessageContaining("needs a Docker engine");
    }
  }

  @Test
  void rejectsAnUnknownBrokerKind() {
    assertThatThrownBy(() -> SharedInfra.of("zookeeper"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-Dmesh.broker must be 'embedded' or 'testcontainers', got 'zookeeper'");
  }
}
