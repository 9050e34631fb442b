package io.agentmesh.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@MeshInfraTest
@Timeout(120)
class PlanApplierIT {

  private final SharedInfra infra;

  PlanApplierIT(SharedInfra infra) {
    this.infra = infra;
  }

  private Plan plan(String prefix, int partitions) {
    Graph graph = GraphLoader.load(Path.of("..", "examples", "research-pipeline", "graph.yaml"));
    DeploymentSpec spec = GraphLoader.parseSpec(
        "topicPrefix: " + prefix + "\ntopics: {partitions: " + partitions + "}\n", "deploy.yaml", graph);
    return PlanCompiler.compile(graph, spec);
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()));
  }

  @Test
  void createsTopicsThenReappliesWithoutChanges() throws Exception {
    String prefix = infra.uniqueName("apply").replace('-', '_');
    Plan plan = plan(prefix, 2);
    try (Admin admin = admin()) {
      PlanApplier applier = new PlanApplier(admin, Duration.ofSeconds(30));

      ApplyResult first = applier.apply(plan);
      assertThat(first.outcomes()).extracting(ApplyResult.TopicOutcome::action).containsOnly(ApplyResult.Action.CREATED);
      Set<String> names = admin.listTopics().names().get();
      assertThat(names).containsAll(plan.topics().stream().map(Plan.TopicPlan::name).toList());
      String dlq = prefix + ".research-pipeline.dlq.writer";
      var config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, dlq))).all().get();
      assertThat(config.values().iterator().next().get("retention.ms").value()).isEqualTo(PlanCompiler.DLQ_RETENTION_MS);

      ApplyResult second = applier.apply(plan);
      assertThat(second.outcomes()).extracting(ApplyResult.TopicOutcome::action).containsOnly(ApplyResult.Action.UNCHANGED);
    }
  }

  @Test
  void growsTopicsWithTooFewPartitionsAndReportsConflicts() throws Exception {
    String prefix = infra.uniqueName("grow").replace('-', '_');
    try (Admin admin = admin()) {
      PlanApplier applier = new PlanApplier(admin, Duration.ofSeconds(30));
      applier.apply(plan(prefix, 2));

      ApplyResult grown = applier.apply(plan(prefix, 4));
      String results = prefix + ".research-pipeline.results";
      assertThat(grown.outcome(results).action()).isEqualTo(ApplyResult.Action.GREW);
      assertThat(grown.outcome(results).partitionsBefore()).isEqualTo(2);
      // Metadata reaches the broker's cache shortly after the request completes: await, don't sleep.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(admin.describeTopics(List.of(results)).allTopicNames().get().get(results).partitions()).hasSize(4));
      assertThat(grown.hasConflicts()).isFalse();

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
          applier.apply(plan(prefix, 4)).outcomes().stream().allMatch(o -> o.action() == ApplyResult.Action.UNCHANGED));
      ApplyResult shrink = applier.apply(plan(prefix, 3));
      assertThat(shrink.outcome(results).action()).isEqualTo(ApplyResult.Action.CONFLICT);
      assertThat(shrink.outcome(results).detail()).contains("has 4 partitions, plan wants 3").contains("cannot shrink");

      String dlq = prefix + ".research-pipeline.dlq.planner";
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, dlq),
          List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET)))).all().get();
      ApplyResult changed = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
          .until(() -> applier.apply(plan(prefix, 4)), ApplyResult::hasConflicts);
      assertThat(changed.conflicts()).singleElement().satisfies(o -> {
        assertThat(o.topic()).isEqualTo(dlq);
        assertThat(o.detail()).contains("cleanup.policy is compact, plan wants delete");
      });
    }
  }
}
