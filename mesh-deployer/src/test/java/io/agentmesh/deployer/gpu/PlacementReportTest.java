package io.agentmesh.deployer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PlacementReportTest {

  private final Placement placement = new PlacementSolver().solve(PlacementSolverTest.example());

  @Test
  void tableForTheExampleMatchesTheGoldenFile() {
    Golden.assertMatches("placement-report.txt", PlacementReport.table(placement));
  }

  @Test
  void tableColumnsAreAligned() {
    String[] lines = PlacementReport.table(placement).split("\n");
    int nodeColumn = lines[0].indexOf("NODE");
    for (int i = 1; i <= placement.replicas().size(); i++) {
      assertThat(lines[i].substring(nodeColumn)).startsWith("gpu-node-");
    }
  }

  @Test
  void jsonForTheExampleMatchesTheGoldenFileAndCarriesTotals() throws Exception {
    String json = PlacementReport.json(placement);
    Golden.assertMatches("placement-report.json", json);
    JsonNode tree = new ObjectMapper().readTree(json);
    assertThat(tree.path("replicas")).hasSize(6);
    assertThat(tree.path("totals").path("gpusUsed").asInt()).isEqualTo(12);
    assertThat(tree.path("totals").path("gpusAvailable").asInt()).isEqualTo(20);
    JsonNode first = tree.path("replicas").get(0);
    assertThat(first.path("model").asText()).isEqualTo("llama-70b");
    assertThat(first.path("gpus")).hasSize(4);
    assertThat(first.path("usedGiBPerGpu").asDouble() + first.path("freeGiBPerGpu").asDouble())
        .isCloseTo(80.0, org.assertj.core.data.Offset.offset(0.02));
  }
}
