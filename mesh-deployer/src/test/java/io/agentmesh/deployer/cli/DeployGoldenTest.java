package io.agentmesh.deployer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmesh.deployer.k8s.ManifestWriter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code mesh deploy} output for the examples equals the golden files under
 * src/test/resources/golden/EXAMPLE/TARGET (run with {@code -Dgolden.update=true} to rewrite them
 * after an intended change, and review the diff), and every Kubernetes object parses back into
 * its fabric8 type unchanged.
 */
class DeployGoldenTest {

  private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");
  private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
      "Deployment", Deployment.class,
      "ServiceAccount", ServiceAccount.class,
      "PodDisruptionBudget", PodDisruptionBudget.class,
      "NetworkPolicy", NetworkPolicy.class,
      "ConfigMap", ConfigMap.class,
      "Service", Service.class,
      "Secret", Secret.class);

  static int deploy(String example, String target, Path out) {
    Path dir = Path.of("..", "examples", example);
    CommandLine cli = new CommandLine(new DeployCommand());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new PrintWriter(new StringWriter()));
    return cli.execute("--target", target, "-o", out.toString(), dir.resolve("graph.yaml").toString(),
        dir.resolve("deploy.yaml").toString());
  }

  @ParameterizedTest
  @CsvSource({"research-pipeline,k8s", "support-triage,k8s", "hierarchical-teams,k8s", "research-pipeline,compose",
      "support-triage,compose", "hierarchical-teams,compose"})
  void emitsTheGoldenFiles(String example, String target, @TempDir Path out) throws IOException {
    assertThat(deploy(example, target, out)).isZero();
    Path golden = GOLDEN.resolve(example).resolve(target);
    List<String> compared = target.equals("compose") ? List.of("docker-compose.yml") : files(out);
    if (UPDATE) {
      if (Files.isDirectory(golden)) {
        try (Stream<Path> old = Files.list(golden)) {
          for (Path p : old.toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(golden);
      for (String file : compared) {
        Files.copy(out.resolve(file), golden.resolve(file));
      }
    }
    assertThat(files(golden)).as("golden files of %s/%s", example, target).containsExactlyElementsOf(compared);
    for (String file : compared) {
      assertThat(out.resolve(file)).as(file).hasSameTextualContentAs(golden.resolve(file));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"research-pipeline", "support-triage", "hierarchical-teams"})
  void everyKubernetesObjectParsesBackIntoItsFabric8Type(String example, @TempDir Path out) throws IOException {
    assertThat(deploy(example, "k8s", out)).isZero();
    JsonNode kustomization = ManifestWriter.YAML.readTree(out.resolve("kustomization.yaml").toFile());
    List<String> listed = new java.util.ArrayList<>();
    kustomization.get("resources").forEach(r -> listed.add(r.asText()));
    List<String> manifests = files(out).stream().filter(f -> !f.equals("kustomization.yaml")).toList();
    assertThat(listed).containsExactlyInAnyOrderElementsOf(manifests);

    TreeSet<String> kinds = new TreeSet<>();
    for (String file : manifests) {
      String text = Files.readString(out.resolve(file));
      String kind = ManifestWriter.YAML.readTree(text).get("kind").asText();
      kinds.add(kind);
      Class<? extends HasMetadata> type = TYPES.getOrDefault(kind, GenericKubernetesResource.class);
      HasMetadata parsed = ManifestWriter.YAML.readValue(text, type);
      assertThat(parsed.getKind()).isEqualTo(kind);
      assertThat(ManifestWriter.render(List.of(parsed)).get(file)).as(file).isEqualTo(text);
    }
    assertThat(kinds).containsExactly("ConfigMap", "Deployment", "KafkaTopic", "KafkaUser", "NetworkPolicy",
        "PodDisruptionBudget", "ScaledObject", "Secret", "Service", "ServiceAccount", "TriggerAuthentication");
  }

  @Test
  void eachSubGraphAgentGetsADeploymentRunningItsQualifiedNodeAndEveryChildTopicAKafkaTopic(@TempDir Path out)
      throws IOException {
    assertThat(deploy("hierarchical-teams", "k8s", out)).isZero();

    Deployment searcher = ManifestWriter.YAML.readValue(out.resolve(manifest(out, "Deployment", "research-squad-searcher")).toFile(),
        Deployment.class);
    assertThat(searcher.getSpec().getReplicas()).isEqualTo(3);
    assertThat(searcher.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs()).containsExactly(
        "agent", "/etc/mesh/graph.yaml", "--node", "research-squad.searcher", "/etc/mesh/deploy.yaml");
    Deployment summariser = ManifestWriter.YAML.readValue(
        out.resolve(manifest(out, "Deployment", "research-squad-summariser")).toFile(), Deployment.class);
    assertThat(summariser.getSpec().getTemplate().getSpec().getContainers().getFirst().getResources().getRequests())
        .containsKey("cpu");
    for (String topic : List.of("mesh.research-squad.ingress", "mesh.research-squad.edge.searcher.summariser",
        "mesh.research-squad.results", "mesh.research-squad.dlq.summariser")) {
      assertThat(manifest(out, "KafkaTopic", topic)).as(topic).isNotNull();
    }
    assertThat(manifest(out, "KafkaUser", "mesh-research-squad-searcher")).isNotNull();
    ConfigMap config = ManifestWriter.YAML.readValue(out.resolve(manifest(out, "ConfigMap", "hierarchical-teams-config")).toFile(),
        ConfigMap.class);
    assertThat(config.getData()).containsKey("teams_research.yaml");
  }

  @Test
  void composeRunsEachSubGraphAgentAsAServiceOfItsOwn(@TempDir Path out) throws IOException {
    assertThat(deploy("hierarchical-teams", "compose", out)).isZero();

    JsonNode services = ManifestWriter.YAML.readTree(out.resolve("docker-compose.yml").toFile()).get("services");
    assertThat(services.has("agent-research-squad-searcher")).isTrue();
    assertThat(services.get("agent-research-squad-searcher").get("command").toString())
        .contains("\"--node\",\"research-squad.searcher\"");
    assertThat(services.get("agent-research-squad-searcher").get("deploy").get("replicas").asInt()).isEqualTo(3);
    assertThat(services.has("agent-research")).isTrue();
    assertThat(Files.readString(out.resolve("teams/research.yaml"))).contains("name: research-squad");
  }

  /** The file of the manifest of {@code kind} called {@code name}, or null. */
  private static String manifest(Path dir, String kind, String name) throws IOException {
    for (String file : files(dir)) {
      JsonNode node = ManifestWriter.YAML.readTree(read(dir, file));
      if (node != null && kind.equals(node.path("kind").asText())
          && (name.equals(node.path("metadata").path("name").asText())
              || name.equals(node.path("spec").path("topicName").asText()))) {
        return file;
      }
    }
    return null;
  }

  private static String read(Path dir, String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  private static List<String> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
