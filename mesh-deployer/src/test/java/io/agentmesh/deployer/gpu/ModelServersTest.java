package io.agentmesh.deployer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModelServersTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private final Placement placement = new PlacementSolver().solve(PlacementSolverTest.example());
  private final List<HasMetadata> objects = ModelServers.emit(placement, "agents");

  @Test
  void emitsOneDeploymentPerReplicaAndOneServicePerModel() {
    assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactly(
        "Deployment/model-llama-70b-0", "Deployment/model-llama-70b-1",
        "Deployment/model-llama-8b-0", "Deployment/model-llama-8b-1", "Deployment/model-llama-8b-2",
        "Deployment/model-classifier-0",
        "Service/model-llama-70b", "Service/model-llama-8b", "Service/model-classifier");
    assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("agents"));
  }

  @Test
  void everyObjectParsesBackIntoItsFabric8Type() throws Exception {
    for (HasMetadata object : objects) {
      String yaml = YAML.writeValueAsString(object);
      HasMetadata back = YAML.readValue(yaml, object.getClass());
      assertThat(back).as(yaml).isEqualTo(object);
    }
  }

  @Test
  void deploymentRequestsTheTensorParallelGpusOnItsNodeAndPinsTheDevices() {
    for (ReplicaPlacement replica : placement.replicas()) {
      Deployment deployment = deployment(replica.deploymentName());
      Container vllm = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
      Quantity gpus = new Quantity(String.valueOf(replica.model().tensorParallel()));
      assertThat(vllm.getResources().getRequests()).containsEntry("nvidia.com/gpu", gpus);
      assertThat(vllm.getResources().getLimits()).containsEntry("nvidia.com/gpu", gpus);

      NodeSelectorRequirement pin = deployment.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
          .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0).getMatchExpressions()
          .get(0);
      assertThat(pin.getKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(pin.getOperator()).isEqualTo("In");
      assertThat(pin.getValues()).containsExactly(replica.node().name());

      Map<String, String> env = vllm.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
      assertThat(env).containsEntry("NVIDIA_VISIBLE_DEVICES", replica.deviceList());
      assertThat(env.get("CUDA_VISIBLE_DEVICES").split(",")).hasSize(replica.model().tensorParallel());
      assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
          .containsEntry(ModelServers.GPU_INDICES_ANNOTATION, replica.deviceList())
          .containsEntry(ModelServers.GPU_NODE_ANNOTATION, replica.node().name());
      assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
      assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    }
  }

  @Test
  void deploymentServesTheModelWithItsVllmSettingsAndAHealthProbe() {
    Container vllm = deployment("model-llama-70b-1").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(vllm.getImage()).isEqualTo("vllm/vllm-openai:v0.11.0");
    assertThat(vllm.getArgs()).containsExactly("--model", "meta-llama/Llama-3.3-70B-Instruct",
        "--served-model-name", "llama-70b", "--tensor-parallel-size", "4", "--max-model-len", "32768",
        "--gpu-memory-utilization", "0.9", "--port", "8000");
    assertThat(vllm.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(vllm.getPorts().get(0).getContainerPort()).isEqualTo(8000);
    Container classifier = deployment("model-classifier-0").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(classifier.getArgs()).containsSequence("--served-model-name", "intent-classifier")
        .containsSequence("--gpu-memory-utilization", "0.5");
  }

  @Test
  void serviceSelectsEveryReplicaOfItsModelOnTheOpenAiPort() {
    Service service = (Service) objects.stream().filter(o -> o.getMetadata().getName().equals("model-llama-8b"))
        .findFirst().orElseThrow();
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(8000);
    Map<String, String> selector = service.getSpec().getSelector();
    List<String> selected = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof Deployment d
          && d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet())) {
        selected.add(d.getMetadata().getName());
      }
    }
    assertThat(selected).containsExactly("model-llama-8b-0", "model-llama-8b-1", "model-llama-8b-2");
    assertThat(ModelServers.agentBaseUrl("llama-8b")).isEqualTo("http://model-llama-8b:8000/v1");
  }

  @Test
  void manifestsForTheExampleMatchTheGoldenFile() throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (HasMetadata object : ModelServers.emit(placement)) {
      yaml.append("---\n").append(YAML.writeValueAsString(object));
    }
    Golden.assertMatches("model-servers.yaml", yaml.toString());
    for (String document : yaml.toString().split("(?m)^---\n")) {
      if (!document.isBlank()) {
        JsonNode tree = YAML.readTree(document);
        Class<? extends HasMetadata> type = tree.get("kind").asText().equals("Service") ? Service.class : Deployment.class;
        assertThat(YAML.treeToValue(tree, type).getMetadata().getName()).startsWith("model-");
        tree.path("metadata").path("labels").forEach(label -> assertThat(label.isTextual()).as(document).isTrue());
        tree.path("spec").path("template").path("spec").path("containers").path(0).path("args")
            .forEach(arg -> assertThat(arg.isTextual()).as("arg %s", arg).isTrue());
      }
    }
  }

  private Deployment deployment(String name) {
    return objects.stream().filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name))
        .map(Deployment.class::cast).findFirst().orElseThrow();
  }
}
