package io.agentmesh.deployer.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** infra/k8s/base parses into its Kubernetes types and names what the emitted manifests expect. */
class BaseManifestsTest {

  private static final Path BASE = Path.of("..", "infra", "k8s", "base");
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void theStrimziClusterIsTheOneAgentsConnectTo() throws Exception {
    List<JsonNode> docs = read("kafka.yaml");
    GenericKubernetesResource kafka = YAML.convertValue(docs.get(0), GenericKubernetesResource.class);
    K8sOptions defaults = K8sOptions.defaults();
    assertThat(kafka.getKind()).isEqualTo("Kafka");
    assertThat(kafka.getApiVersion()).isEqualTo(defaults.strimziApiVersion());
    assertThat(defaults.kafkaBootstrap()).isEqualTo(kafka.getMetadata().getName() + "-kafka-bootstrap:" + defaults.kafkaPort());
    JsonNode listener = docs.get(0).at("/spec/kafka/listeners/0");
    assertThat(listener.at("/port").asInt()).isEqualTo(defaults.kafkaPort());
    assertThat(listener.at("/authentication/type").asText()).isEqualTo("scram-sha-512");
    assertThat(docs.get(0).at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
    assertThat(YAML.convertValue(docs.get(1), GenericKubernetesResource.class).getKind()).isEqualTo("KafkaNodePool");
  }

  @Test
  void redisIsServedUnderTheSecretAgentsRead() throws Exception {
    List<JsonNode> docs = read("redis.yaml");
    Deployment deployment = YAML.convertValue(docs.get(0), Deployment.class);
    Service service = YAML.convertValue(docs.get(1), Service.class);
    Secret secret = YAML.convertValue(docs.get(2), Secret.class);
    K8sOptions defaults = K8sOptions.defaults();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    assertThat(secret.getMetadata().getName()).isEqualTo(defaults.redisSecret());
    assertThat(secret.getStringData()).containsEntry(defaults.redisSecretKey(),
        "redis://" + service.getMetadata().getName() + ":" + service.getSpec().getPorts().getFirst().getPort());
  }

  @Test
  void theKustomizationListsEveryFile() throws Exception {
    JsonNode kustomization = YAML.readTree(BASE.resolve("kustomization.yaml").toFile());
    List<String> listed = new ArrayList<>();
    kustomization.path("resources").forEach(r -> listed.add(r.asText()));
    try (var files = Files.list(BASE)) {
      assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals("kustomization.yaml")).toList());
    }
  }

  private static List<JsonNode> read(String file) throws Exception {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(BASE.resolve(file).toFile())) {
      return it.readAll();
    }
  }
}
