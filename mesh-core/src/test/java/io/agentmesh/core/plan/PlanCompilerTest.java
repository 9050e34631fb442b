package io.agentmesh.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCompilerTest {

  private static final Path EXAMPLES = Path.of("..", "examples");

  @Test
  void threeNodePipelineGetsIngressEdgeResultEventAndDeadLetterTopics() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("research-pipeline/graph.yaml"));
    DeploymentSpec spec = GraphLoader.loadSpec(EXAMPLES.resolve("research-pipeline/deploy.yaml"), graph);

    Plan plan = PlanCompiler.compile(graph, spec);

    assertThat(plan.topics()).extracting(Plan.TopicPlan::name).containsExactly(
        "mesh.research-pipeline.ingress",
        "mesh.research-pipeline.edge.planner.researcher",
        "mesh.research-pipeline.edge.researcher.writer",
        "mesh.research-pipeline.results",
        "mesh.research-pipeline.events",
        "mesh.research-pipeline.dlq.planner",
        "mesh.research-pipeline.dlq.researcher",
        "mesh.research-pipeline.dlq.writer");
    assertThat(plan.topic("mesh.research-pipeline.edge.planner.researcher").partitions()).isEqualTo(6);
    assertThat(plan.topic("mesh.research-pipeline.ingress").partitions()).isEqualTo(3);
    assertThat(plan.topic("mesh.research-pipeline.dlq.writer").config())
        .containsEntry("retention.ms", PlanCompiler.DLQ_RETENTION_MS);

    Plan.GroupPlan researcher = plan.group("researcher");
    assertThat(researcher.groupId()).isEqualTo("mesh.research-pipeline.researcher");
    assertThat(researcher.inbound()).containsExactly("mesh.research-pipeline.edge.planner.researcher");
    assertThat(researcher.outbound()).extracting(Plan.Outbound::topic)
        .containsExactly("mesh.research-pipeline.edge.researcher.writer");
    assertThat(researcher.replicas()).isEqualTo(3);
    assertThat(plan.group("planner").inbound()).containsExactly("mesh.research-pipeline.ingress");
    assertThat(plan.group("writer").outbound()).singleElement()
        .satisfies(o -> assertThat(o.topic()).isEqualTo("mesh.research-pipeline.results"));
    assertThat(plan.models().get("default").usedBy()).containsExactly("planner", "researcher", "writer");
    assertThat(plan.processes()).extracting(Plan.ProcessPlan::name).containsExactly("edges", "researcher");
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void routerGraphGetsOneTopicPerRouteWithConditions() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("support-triage/graph.yaml"));
    Plan plan = PlanCompiler.compile(graph, DeploymentSpec.defaults());

    assertThat(plan.topics()).filteredOn(t -> t.role() == Plan.TopicRole.EDGE).extracting(Plan.TopicPlan::name)
        .containsExactly("mesh.support-triage.edge.triage.billing", "mesh.support-triage.edge.triage.technical",
            "mesh.support-triage.edge.triage.escalate");
    assertThat(plan.group("triage").outbound()).extracting(Plan.Outbound::target, Plan.Outbound::condition, Plan.Outbound::isDefault)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("billing", "output.category == 'billing'", false),
            org.assertj.core.groups.Tuple.tuple("technical", "output.category == 'technical'", false),
            org.assertj.core.groups.Tuple.tuple("escalate", "", true));
    assertThat(plan.group("triage").model()).isEqualTo("classifier");
    assertThat(plan.groups()).hasSize(4);
    assertThat(plan.processes()).hasSize(4);
  }

  @Test
  void warnsWhenReplicasOutnumberPartitions() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("support-triage/graph.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec("topics: {partitions: 1}\nnodes: {billing: {replicas: 2}}\n", "d.yaml", graph);
    assertThat(PlanCompiler.compile(graph, spec).warnings()).singleElement()
        .asString().contains("node 'billing': 2 replicas");
  }

  @Test
  void printsATableAndJson() throws Exception {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("support-triage/graph.yaml"));
    Plan plan = PlanCompiler.compile(graph, DeploymentSpec.defaults());

    String text = PlanPrinter.text(plan);
    assertThat(text).contains("TOPICS", "GROUPS", "MODELS", "PROCESSES", "mesh.support-triage.ingress",
        "billing [when output.category == 'billing']", "escalate [default]");

    var json = new ObjectMapper().readTree(PlanPrinter.json(plan));
    assertThat(json.get("graph").asText()).isEqualTo("support-triage");
    assertThat(json.get("topics").size()).isEqualTo(plan.topics().size());
    assertThat(json.get("groups").get(0).get("groupId").asText()).isEqualTo("mesh.support-triage.triage");
    assertThat(text).contains("delivery exactly-once");
    assertThat(json.get("delivery").asText()).isEqualTo("exactly-once");
  }

  @Test
  void subGraphIsCompiledIntoTheParentsPlanOnItsOwnTopicsWithItsQualifiedSettings() {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("hierarchical-teams/graph.yaml"));
    DeploymentSpec spec = GraphLoader.loadSpec(EXAMPLES.resolve("hierarchical-teams/deploy.yaml"), graph);

    Plan plan = PlanCompiler.compile(graph, spec);

    assertThat(plan.topics()).extracting(Plan.TopicPlan::name).noneMatch(t -> t.contains("research-squad"));
    Plan team = plan.subGraph("research").orElseThrow();
    assertThat(plan.subGraph("lead")).isEmpty();
    assertThat(team.graph()).isEqualTo("research-squad");
    assertThat(team.topics()).extracting(Plan.TopicPlan::name).containsExactly(
        "mesh.research-squad.ingress",
        "mesh.research-squad.edge.searcher.summariser",
        "mesh.research-squad.results",
        "mesh.research-squad.events",
        "mesh.research-squad.dlq.searcher",
        "mesh.research-squad.dlq.summariser");
    assertThat(team.topic("mesh.research-squad.ingress").partitions()).isEqualTo(6);
    assertThat(team.topic("mesh.research-squad.results").partitions()).isEqualTo(2);
    assertThat(team.group("searcher").replicas()).isEqualTo(3);
    assertThat(team.group("searcher").groupId()).isEqualTo("mesh.research-squad.searcher");
    assertThat(team.group("summariser").cpu()).isEqualTo("250m");
    assertThat(team.processes()).extracting(Plan.ProcessPlan::name).containsExactly("searcher", "summariser");
    assertThat(plan.group("research").replicas()).isEqualTo(2);
    assertThat(plan.allPlans()).extracting(Plan::graph).containsExactly("hierarchical-teams", "research-squad");
    assertThat(plan.allTopics()).hasSize(plan.topics().size() + team.topics().size());
  }

  @Test
  void aChildRunByTwoNodesIsCompiledOnceAndGrandchildrenAreCompiledToo(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("leaf.yaml"), """
        name: leaf
        nodes: {only: {type: java, class: x.Only}}
        edges: [{from: START, to: only}, {from: only, to: END}]
        """);
    Files.writeString(dir.resolve("child.yaml"), """
        name: child
        nodes: {inner: {type: graph, file: leaf.yaml}}
        edges: [{from: START, to: inner}, {from: inner, to: END}]
        """);
    Files.writeString(dir.resolve("parent.yaml"), """
        name: parent
        nodes:
          first: {type: graph, file: child.yaml}
          second: {type: graph, file: child.yaml}
        edges: [{from: START, to: first}, {from: first, to: second}, {from: second, to: END}]
        """);
    Graph graph = GraphLoader.load(dir.resolve("parent.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec("topicPrefix: acme\nnodes: {leaf.only: {replicas: 4}}\n", "d.yaml", graph);

    Plan plan = PlanCompiler.compile(graph, spec);

    assertThat(plan.subGraphs()).singleElement().satisfies(s -> assertThat(s.nodes()).containsExactly("first", "second"));
    assertThat(plan.subGraph("second")).containsSame(plan.subGraph("first").orElseThrow());
    Plan leaf = plan.subGraph("first").orElseThrow().subGraph("inner").orElseThrow();
    assertThat(leaf.group("only").replicas()).isEqualTo(4);
    assertThat(leaf.topicPrefix()).isEqualTo("acme");
    assertThat(plan.allPlans()).extracting(Plan::graph).containsExactly("parent", "child", "leaf");
    assertThat(plan.allTopics()).extracting(Plan.TopicPlan::name).contains("acme.leaf.ingress", "acme.child.results")
        .doesNotHaveDuplicates();
  }

  @Test
  void printsEachSubGraphUnderItsOwnHeadingAndInTheJson() throws Exception {
    Graph graph = GraphLoader.load(EXAMPLES.resolve("hierarchical-teams/graph.yaml"));
    Plan plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(EXAMPLES.resolve("hierarchical-teams/deploy.yaml"), graph));

    String text = PlanPrinter.text(plan);
    assertThat(text).contains("SUB-GRAPH research-squad (run by hierarchical-teams/research;",
        "mesh.research-squad.edge.searcher.summariser", "mesh.research-squad.searcher");
    assertThat(text.indexOf("SUB-GRAPH")).isGreaterThan(text.indexOf("mesh.hierarchical-teams.ingress"));

    var json = new ObjectMapper().readTree(PlanPrinter.json(plan));
    assertThat(json.get("subGraphs").get(0).get("nodes").get(0).asText()).isEqualTo("research");
    assertThat(json.get("subGraphs").get(0).get("plan").get("topics").get(0).get("name").asText())
        .isEqualTo("mesh.research-squad.ingress");
  }
}
