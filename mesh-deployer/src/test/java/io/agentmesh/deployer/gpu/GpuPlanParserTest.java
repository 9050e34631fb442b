package io.agentmesh.deployer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuPlanParserTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir
  Path dir;

  @Test
  void readsTheExampleModelsAndInventory() {
    GpuPlan plan = PlacementSolverTest.example();
    assertThat(plan.models()).extracting(ModelSpec::name).containsExactly("llama-70b", "llama-8b", "classifier");
    assertThat(plan.nodes()).extracting(GpuNode::name).containsExactly("gpu-node-1", "gpu-node-2", "gpu-node-3");
    ModelSpec big = plan.models().get(0);
    assertThat(big.weightsGiB()).isCloseTo(70e9 * 2 / (1L << 30), within(1e-9));
    assertThat(big.tensorParallel()).isEqualTo(4);
    assertThat(big.gpuTypes()).containsExactly("H100");
    assertThat(big.memoryPerGpuGiB()).isCloseTo((130.385 + 40) / 4 / 0.9, within(0.01));
    ModelSpec classifier = plan.models().get(2);
    assertThat(classifier.weightsGiB()).isEqualTo(2.5);
    assertThat(classifier.servedModelName()).isEqualTo("intent-classifier");
    assertThat(classifier.gpuTypes()).isEmpty();
    assertThat(classifier.image()).isEqualTo("vllm/vllm-openai:v0.11.0");
    assertThat(plan.models().get(1).gpuMemoryUtilization()).isEqualTo(0.9);
  }

  @Test
  void readsOneDocumentWithBothSections() throws Exception {
    Path file = write("plan.yaml", """
        models:
          - {name: m, weights: {parameters: 8e9, dtype: int4}, kvCacheGiB: 1, maxModelLen: 2048}
        nodes:
          - {name: n, gpuType: L4, gpus: 1, memoryGiB: 24}
        """);
    GpuPlan plan = GpuPlanParser.parse(file);
    assertThat(plan.models().get(0).weightsGiB()).isCloseTo(8e9 * 0.5 / (1L << 30), within(1e-9));
    assertThat(plan.nodes()).containsExactly(new GpuNode("n", "L4", 1, 24));
  }

  @Test
  void readsSectionsOfAnotherDocument() throws Exception {
    JsonNode deploy = YAML.readTree("""
        modelServers:
          - {name: m, weights: {sizeGiB: 10}, kvCacheGiB: 1, maxModelLen: 2048, tensorParallel: 2}
        gpuInventory:
          - {name: n, gpuType: H100, gpus: 8, memoryGiB: 80}
        """);
    List<ModelSpec> models = GpuPlanParser.parseModels(deploy.get("modelServers"), "deploy.yaml", "modelServers");
    List<GpuNode> nodes = GpuPlanParser.parseNodes(deploy.get("gpuInventory"), "deploy.yaml", "gpuInventory");
    assertThat(models.get(0).tensorParallel()).isEqualTo(2);
    assertThat(nodes.get(0).gpus()).isEqualTo(8);
  }

  @Test
  void rejectsAnUnknownFieldNamingFileAndField() throws Exception {
    Path file = write("models.yaml", """
        models:
          - {name: m, weights: {sizeGiB: 10}, kvCacheGiB: 1, maxModelLen: 2048, tensorParalel: 2}
        """);
    assertThatThrownBy(() -> GpuPlanParser.parse(file)).isInstanceOf(GpuPlanException.class)
        .hasMessageStartingWith(file + ": models[0]: unknown field 'tensorParalel' (known: ");
  }

  @Test
  void rejectsAnUnknownFieldInsideWeights() throws Exception {
    Path file = write("models.yaml", """
        models:
          - {name: m, weights: {sizeGB: 10}, kvCacheGiB: 1, maxModelLen: 2048}
        """);
    assertThatThrownBy(() -> GpuPlanParser.parse(file))
        .hasMessageStartingWith(file + ": models[0].weights: unknown field 'sizeGB'");
  }

  @Test
  void rejectsAnUnknownDtype() throws Exception {
    Path file = write("models.yaml", """
        models:
          - {name: m, weights: {parameters: 1e9, dtype: fp4}, kvCacheGiB: 1, maxModelLen: 2048}
        """);
    assertThatThrownBy(() -> GpuPlanParser.parse(file)).hasMessage(file
        + ": models[0].weights.dtype: unknown value 'fp4' (expected one of bf16, fp16, fp8, int8, int4)");
  }

  @Test
  void rejectsWeightsGivenBothWays() throws Exception {
    Path file = write("models.yaml", """
        models:
          - {name: m, weights: {sizeGiB: 2, parameters: 1e9, dtype: bf16}, kvCacheGiB: 1, maxModelLen: 2048}
        """);
    assertThatThrownBy(() -> GpuPlanParser.parse(file))
        .hasMessage(file + ": models[0].weights: give either sizeGiB, or parameters and dtype");
  }

  @Test
  void rejectsAMissingRequiredFieldAndAnInvalidValue() throws Exception {
    Path missing = write("a.yaml", "models:\n  - {name: m, weights: {sizeGiB: 2}, maxModelLen: 2048}\n");
    assertThatThrownBy(() -> GpuPlanParser.parse(missing))
        .hasMessage(missing + ": models[0]: missing field 'kvCacheGiB'");
    Path badTp = write("b.yaml", "models:\n  - {name: m, weights: {sizeGiB: 2}, kvCacheGiB: 1, maxModelLen: 9, "
        + "tensorParallel: 3}\n");
    assertThatThrownBy(() -> GpuPlanParser.parse(badTp))
        .hasMessage(badTp + ": models[0]: model 'm': tensorParallel must be 1, 2, 4 or 8, was 3");
    Path badNode = write("c.yaml", "nodes:\n  - {name: n, gpuType: H100, gpus: 0, memoryGiB: 80}\n");
    assertThatThrownBy(() -> GpuPlanParser.parse(badNode))
        .hasMessage(badNode + ": nodes[0]: GPU node 'n': gpus must be >= 1, was 0");
  }

  @Test
  void rejectsDuplicateNames() throws Exception {
    Path file = write("nodes.yaml", """
        nodes:
          - {name: n, gpuType: H100, gpus: 8, memoryGiB: 80}
          - {name: n, gpuType: H100, gpus: 8, memoryGiB: 80}
        """);
    assertThatThrownBy(() -> GpuPlanParser.parse(file)).hasMessage(file + ": GPU node 'n' is declared twice");
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }
}
