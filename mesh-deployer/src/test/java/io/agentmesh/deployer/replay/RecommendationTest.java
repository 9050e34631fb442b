package io.agentmesh.deployer.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanCompiler;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RecommendationTest {

  private static final Graph GRAPH = GraphLoader.parse("""
      name: demo
      models:
        m: {baseUrl: "http://localhost:8000/v1", model: sim}
      nodes:
        fast: {type: llm, model: m}
        slow: {type: llm, model: m}
      edges:
        - {from: START, to: fast}
        - {from: fast, to: slow}
        - {from: slow, to: END}
      """, "graph.yaml", Path.of("."));

  private static Plan plan(int maxInFlight) {
    return PlanCompiler.compile(GRAPH, GraphLoader.parseSpec("""
        topics: {partitions: 2}
        nodes:
          fast: {maxInFlight: %d}
          slow: {maxInFlight: %d}
        """.formatted(maxInFlight, maxInFlight), "deploy.yaml", GRAPH));
  }

  @Test
  void sizesReplicasByLittlesLawAndNamesTheSlowNode() {
    Recommendation advice = Recommendation.of(Profiles.twoNodes(100, 2), plan(4), 40, 1.25, 0.25);
    Recommendation.NodeAdvice slow = advice.node("slow");
    // 40/s x ~0.203 s x 1.25 = ~10.1 in flight over 4 per replica: 3 replicas
    assertThat(slow.concurrency()).isBetween(10.0, 10.4);
    assertThat(slow.replicas()).isEqualTo(3);
    assertThat(slow.partitions()).isEqualTo(3);
    assertThat(advice.node("fast").replicas()).isEqualTo(1);
    assertThat(advice.node("fast").partitions()).isEqualTo(2);
    assertThat(advice.bottleneck()).isEqualTo("slow");
    assertThat(advice.colocate()).isEmpty();
  }

  @Test
  void coLocatesNodesWhoseEdgeCostsALargeShareOfTheNextNodesTime() {
    Recommendation advice = Recommendation.of(Profiles.twoNodes(100, 120), plan(256), 10, 1.25, 0.25);
    assertThat(advice.colocate()).singleElement().satisfies(c -> {
      assertThat(c.from()).isEqualTo("fast");
      assertThat(c.share()).isBetween(0.3, 0.45);
    });
    assertThat(advice.processes()).containsExactly(java.util.List.of("fast", "slow"));
  }

  @Test
  void thePatchIsAValidDeployYamlThatCompilesToTheRecommendedPlan() {
    Recommendation advice = Recommendation.of(Profiles.twoNodes(100, 120), plan(4), 40, 1.25, 0.25);
    String patch = advice.toDeployYaml();
    Plan applied = PlanCompiler.compile(GRAPH, GraphLoader.parseSpec(patch, "patch.yaml", GRAPH));
    assertThat(applied.group("slow").replicas()).isEqualTo(3);
    assertThat(applied.group("slow").maxInFlight()).isEqualTo(4);
    assertThat(applied.processes()).anySatisfy(p -> assertThat(p.nodes()).containsExactly("fast", "slow"));
    assertThat(applied.warnings()).isEmpty();
  }

  @Test
  void rejectsANonPositiveTargetRate() {
    assertThatThrownBy(() -> Recommendation.of(Profiles.twoNodes(10, 2), plan(4), 0, 1.25, 0.25))
        .hasMessageContaining("target rate must be above 0");
  }
}
