package io.agentmesh.deployer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanCompiler;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.junit.jupiter.api.Test;

class AclPlannerTest {

  static Plan example(String name) {
    Path dir = Path.of("..", "examples", name);
    Graph graph = GraphLoader.load(dir.resolve("graph.yaml"));
    return PlanCompiler.compile(graph, GraphLoader.loadSpec(dir.resolve("deploy.yaml"), graph));
  }

  private static List<String> lines(AclPlan acls, String principal) {
    return acls.bindingsOf(principal).stream().map(TopologyDiff::describe).toList();
  }

  @Test
  void billingMayReadItsEdgeAndGroupAndWriteOnlyResultsEventsItsDeadLettersAndItsTransactions() {
    AclPlan acls = AclPlanner.plan(example("support-triage"));

    assertThat(lines(acls, "mesh-support-triage-billing")).containsExactly(
        "User:mesh-support-triage-billing ALLOW READ TOPIC:LITERAL:mesh.support-triage.edge.triage.billing",
        "User:mesh-support-triage-billing ALLOW READ GROUP:LITERAL:mesh.support-triage.billing",
        "User:mesh-support-triage-billing ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.results",
        "User:mesh-support-triage-billing ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.events",
        "User:mesh-support-triage-billing ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.dlq.billing",
        "User:mesh-support-triage-billing ALLOW WRITE TRANSACTIONAL_ID:PREFIXED:mesh.support-triage.billing-");
  }

  @Test
  void atLeastOnceDropsTheTransactionalIdsOfEveryNodeButTheJoins() {
    Path dir = Path.of("..", "examples", "code-review-crew");
    Graph graph = GraphLoader.load(dir.resolve("graph.yaml"));
    Plan plan = PlanCompiler.compile(graph, GraphLoader.parseSpec("delivery: at-least-once\n", "deploy.yaml", graph));
    AclPlan acls = AclPlanner.plan(plan);

    assertThat(lines(acls, "mesh-code-review-crew-security")).isNotEmpty()
        .noneMatch(line -> line.contains("TRANSACTIONAL_ID"));
    assertThat(lines(acls, "mesh-code-review-crew-reviews"))
        .contains("User:mesh-code-review-crew-reviews ALLOW WRITE TRANSACTIONAL_ID:PREFIXED:mesh.code-review-crew.reviews-");
    assertThat(lines(AclPlanner.plan(example("code-review-crew")), "mesh-code-review-crew-security"))
        .as("the same node under exactly-once")
        .contains("User:mesh-code-review-crew-security ALLOW WRITE TRANSACTIONAL_ID:PREFIXED:mesh.code-review-crew.security-");
  }

  @Test
  void entryRouterReadsIngressAndWritesEachBranch() {
    AclPlan acls = AclPlanner.plan(example("support-triage"));

    assertThat(lines(acls, "mesh-support-triage-triage")).contains(
        "User:mesh-support-triage-triage ALLOW READ TOPIC:LITERAL:mesh.support-triage.ingress",
        "User:mesh-support-triage-triage ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.edge.triage.billing",
        "User:mesh-support-triage-triage ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.edge.triage.technical",
        "User:mesh-support-triage-triage ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.edge.triage.escalate")
        .noneMatch(l -> l.contains("WRITE TOPIC:LITERAL:mesh.support-triage.ingress"));
  }

  @Test
  void gatewayWritesIngressAndReadsResultsAndEventsOnly() {
    AclPlan acls = AclPlanner.plan(example("support-triage"));

    assertThat(lines(acls, "mesh-support-triage-gateway")).containsExactly(
        "User:mesh-support-triage-gateway ALLOW WRITE TOPIC:LITERAL:mesh.support-triage.ingress",
        "User:mesh-support-triage-gateway ALLOW READ TOPIC:LITERAL:mesh.support-triage.results",
        "User:mesh-support-triage-gateway ALLOW READ TOPIC:LITERAL:mesh.support-triage.events",
        "User:mesh-support-triage-gateway ALLOW READ GROUP:LITERAL:mesh.support-triage.gateway");
  }

  @Test
  void coLocatedNodesShareOnePrincipalWithTheUnionOfTheirRights() {
    AclPlan acls = AclPlanner.plan(example("research-pipeline"));

    MeshPrincipal edges = acls.principalOfNode("planner");
    assertThat(edges).isEqualTo(acls.principalOfNode("writer"));
    assertThat(edges.name()).isEqualTo("mesh-research-pipeline-edges");
    assertThat(lines(acls, edges.name())).contains(
        "User:mesh-research-pipeline-edges ALLOW READ TOPIC:LITERAL:mesh.research-pipeline.ingress",
        "User:mesh-research-pipeline-edges ALLOW READ TOPIC:LITERAL:mesh.research-pipeline.edge.researcher.writer",
        "User:mesh-research-pipeline-edges ALLOW READ GROUP:LITERAL:mesh.research-pipeline.planner",
        "User:mesh-research-pipeline-edges ALLOW READ GROUP:LITERAL:mesh.research-pipeline.writer",
        "User:mesh-research-pipeline-edges ALLOW WRITE TOPIC:LITERAL:mesh.research-pipeline.edge.planner.researcher")
        .doesNotHaveDuplicates();
    assertThat(acls.principals()).extracting(MeshPrincipal::name).containsExactly(
        "mesh-research-pipeline-edges", "mesh-research-pipeline-researcher",
        "mesh-research-pipeline-gateway", "mesh-research-pipeline-registry");
  }

  @Test
  void theOnlyPrefixedPatternsAreTransactionalIdsAndNoAgentTouchesAnotherAgentsTopics() {
    Plan plan = example("support-triage");
    AclPlan acls = AclPlanner.plan(plan);

    for (AclBinding b : acls.all()) {
      if (b.pattern().patternType() == PatternType.PREFIXED) {
        assertThat(b.pattern().resourceType().name()).isEqualTo("TRANSACTIONAL_ID");
      }
    }
    for (Plan.GroupPlan group : plan.groups()) {
      String principal = acls.principalOfNode(group.node()).name();
      plan.groups().stream().filter(other -> other != group).forEach(other ->
          assertThat(lines(acls, principal)).noneMatch(l -> l.endsWith(":" + other.deadLetterTopic())
              || l.endsWith("GROUP:LITERAL:" + other.groupId())));
    }
    assertThat(acls.warnings()).isEmpty();
  }

  @Test
  void warnsWhenATransactionalPrefixAlsoMatchesAnotherNode() {
    Graph graph = Graph.builder("g")
        .node(io.agentmesh.core.graph.LlmNode.builder("bill", "m").build())
        .node(io.agentmesh.core.graph.LlmNode.builder("bill-ing", "m").build())
        .model(io.agentmesh.core.graph.Model.of("m", "http://localhost:8000/v1", "x"))
        .edge("START", "bill").edge("bill", "bill-ing").edge("bill-ing", "END")
        .build();
    Plan plan = PlanCompiler.compile(graph, io.agentmesh.core.graph.DeploymentSpec.defaults());

    assertThat(AclPlanner.plan(plan).warnings()).singleElement().asString()
        .contains("'mesh.g.bill-'", "'bill'", "'bill-ing'");
  }

  @Test
  void rejectsANodeNamedLikeTheMeshsOwnPrincipals() {
    Graph graph = Graph.builder("g").node(io.agentmesh.core.graph.LlmNode.builder("gateway", "m").build())
        .model(io.agentmesh.core.graph.Model.of("m", "http://localhost:8000/v1", "x"))
        .edge("START", "gateway").edge("gateway", "END").build();
    Plan plan = PlanCompiler.compile(graph, io.agentmesh.core.graph.DeploymentSpec.defaults());

    assertThatThrownBy(() -> AclPlanner.plan(plan)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'gateway' is reserved");
  }

  @Test
  void subGraphAgentsGetPrincipalsOfTheirOwnWithOnlyTheirGraphsRights() {
    AclPlan acls = AclPlanner.plan(example("hierarchical-teams"));

    assertThat(acls.principals()).extracting(MeshPrincipal::name).containsExactly(
        "mesh-hierarchical-teams-lead", "mesh-hierarchical-teams-research", "mesh-hierarchical-teams-editor",
        "mesh-research-squad-searcher", "mesh-research-squad-summariser",
        "mesh-hierarchical-teams-gateway", "mesh-hierarchical-teams-registry");
    assertThat(acls.principalOfNode("research-squad.searcher").graph()).isEqualTo("research-squad");
    assertThat(lines(acls, "mesh-research-squad-searcher")).containsExactly(
        "User:mesh-research-squad-searcher ALLOW READ TOPIC:LITERAL:mesh.research-squad.ingress",
        "User:mesh-research-squad-searcher ALLOW READ GROUP:LITERAL:mesh.research-squad.searcher",
        "User:mesh-research-squad-searcher ALLOW WRITE TOPIC:LITERAL:mesh.research-squad.edge.searcher.summariser",
        "User:mesh-research-squad-searcher ALLOW WRITE TOPIC:LITERAL:mesh.research-squad.results",
        "User:mesh-research-squad-searcher ALLOW WRITE TOPIC:LITERAL:mesh.research-squad.events",
        "User:mesh-research-squad-searcher ALLOW WRITE TOPIC:LITERAL:mesh.research-squad.dlq.searcher",
        "User:mesh-research-squad-searcher ALLOW WRITE TRANSACTIONAL_ID:PREFIXED:mesh.research-squad.searcher-");
    assertThat(lines(acls, "mesh-research-squad-summariser")).noneMatch(l -> l.contains("hierarchical-teams"));
  }

  @Test
  void theSubGraphNodeMayStartChildRunsAndReadTheirResultsButNothingElseOfTheChild() {
    AclPlan acls = AclPlanner.plan(example("hierarchical-teams"));

    List<String> research = lines(acls, "mesh-hierarchical-teams-research");
    assertThat(research).contains(
        "User:mesh-hierarchical-teams-research ALLOW WRITE TOPIC:LITERAL:mesh.research-squad.ingress",
        "User:mesh-hierarchical-teams-research ALLOW READ TOPIC:LITERAL:mesh.research-squad.results");
    assertThat(research).filteredOn(l -> l.contains("research-squad")).hasSize(2);
    assertThat(lines(acls, "mesh-hierarchical-teams-lead")).noneMatch(l -> l.contains("research-squad"));
    assertThat(lines(acls, "mesh-hierarchical-teams-gateway")).noneMatch(l -> l.contains("research-squad"));
  }
}
