package io.agentmesh.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DirectVsMeshBestTest {

  @Test
  void eachSidesThroughputIsTheMostItCompletedAtAnyConcurrencyOfItsLatency() {
    List<Map<String, Object>> rows = List.of(
        row(0, 64, 7_500.0, 1_700.0, 0.25),
        row(0, 256, 7_400.0, 2_300.0, 0.25),
        row(100, 64, 211.0, 205.0, 0.9),
        row(100, 256, 840.0, 780.0, 0.9));

    List<Map<String, Object>> best = DirectVsMeshBench.best(rows);

    assertThat(best).hasSize(2);
    Map<String, Object> atZero = best.getFirst();
    assertThat(atZero).containsEntry("model_latency_ms", 0).containsEntry("concurrencies", List.of(64, 256))
        .containsEntry("direct_runs_per_s", 7_500.0).containsEntry("direct_at_concurrency", 64)
        .containsEntry("mesh_runs_per_s", 2_300.0).containsEntry("mesh_at_concurrency", 256)
        .containsEntry("target", 0.25);
    assertThat((double) atZero.get("ratio")).as("the sides' best, each at its own concurrency")
        .isEqualTo(0.307, offset(0.001));
    Map<String, Object> atHundred = best.get(1);
    assertThat(atHundred).containsEntry("model_latency_ms", 100).containsEntry("direct_at_concurrency", 256)
        .containsEntry("mesh_at_concurrency", 256).containsEntry("target", 0.9);
    assertThat((double) atHundred.get("ratio")).isEqualTo(0.929, offset(0.001));
  }

  @Test
  void aSingleConcurrencyIsItsOwnBest() {
    List<Map<String, Object>> best = DirectVsMeshBench.best(List.of(row(0, 64, 7_000.0, 1_540.0, 0.25)));

    assertThat(best).singleElement().satisfies(entry -> {
      assertThat(entry).containsEntry("concurrencies", List.of(64)).containsEntry("direct_at_concurrency", 64)
          .containsEntry("mesh_at_concurrency", 64);
      assertThat((double) entry.get("ratio")).isEqualTo(0.22);
    });
  }

  private static Map<String, Object> row(int latencyMs, int concurrency, double direct, double mesh, double target) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("model_latency_ms", latencyMs);
    row.put("concurrency", concurrency);
    row.put("direct", Map.of("runs_per_s", direct));
    row.put("mesh", Map.of("runs_per_s", mesh));
    row.put("ratio", mesh / direct);
    row.put("target", target);
    return row;
  }
}
