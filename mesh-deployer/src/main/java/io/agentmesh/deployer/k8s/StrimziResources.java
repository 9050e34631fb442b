package io.agentmesh.deployer.k8s;

import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.AclPlanner;
import io.agentmesh.deployer.topology.MeshPrincipal;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;

/**
 * Strimzi {@code KafkaTopic} and {@code KafkaUser} resources, built as fabric8
 * {@link GenericKubernetesResource}s (docs/deployer.md says why not Strimzi's typed API).
 */
final class StrimziResources {

  private StrimziResources() {}

  /** One KafkaTopic per planned topic (the sub-graphs' included), then {@code _schemas} (one partition, compacted). */
  static List<GenericKubernetesResource> topics(Plan plan, K8sOptions options, Map<String, String> labels) {
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (Plan.TopicPlan topic : plan.allTopics()) {
      Map<String, String> topicLabels = new LinkedHashMap<>(labels);
      topicLabels.put("agentmesh.io/topic-role", topic.role().name().toLowerCase(Locale.ROOT));
      out.add(topic(options, topicLabels, topic.name(), topic.partitions(), topic.replicationFactor(), topic.config()));
    }
    short replication = plan.topics().isEmpty() ? 1 : plan.topics().getFirst().replicationFactor();
    Map<String, String> schemaLabels = new LinkedHashMap<>(labels);
    schemaLabels.put("agentmesh.io/topic-role", "schemas");
    out.add(topic(options, schemaLabels, AclPlanner.SCHEMAS_TOPIC, 1, replication, Map.of("cleanup.policy", "compact")));
    return out;
  }

  /** One KafkaUser per principal: SCRAM-SHA-512, simple authorization with the planned ACLs. */
  static List<GenericKubernetesResource> users(AclPlan acls, K8sOptions options, Map<String, String> labels) {
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (MeshPrincipal principal : acls.principals()) {
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("authentication", Map.of("type", "scram-sha-512"));
      spec.put("authorization", ordered("type", "simple", "acls", rules(acls.bindingsOf(principal.name()))));
      Map<String, String> userLabels = new LinkedHashMap<>(labels);
      userLabels.put("strimzi.io/cluster", options.kafkaCluster());
      userLabels.put("agentmesh.io/principal-kind", principal.kind().name().toLowerCase(Locale.ROOT));
      out.add(new GenericKubernetesResourceBuilder()
          .withApiVersion(options.strimziApiVersion()).withKind("KafkaUser")
          .withNewMetadata().withName(principal.name()).withLabels(userLabels).endMetadata()
          .withAdditionalProperties(Map.of("spec", spec))
          .build());
    }
    return out;
  }

  /** Bindings grouped by resource pattern: one Strimzi rule per resource with all its operations. */
  private static List<Map<String, Object>> rules(List<AclBinding> bindings) {
    Map<ResourcePattern, List<String>> byResource = new LinkedHashMap<>();
    for (AclBinding b : bindings) {
      byResource.computeIfAbsent(b.pattern(), p -> new ArrayList<>()).add(operation(b.entry().operation().name()));
    }
    List<Map<String, Object>> out = new ArrayList<>();
    byResource.forEach((pattern, ops) -> {
      Map<String, Object> resource = new LinkedHashMap<>();
      resource.put("type", resourceType(pattern));
      resource.put("name", pattern.name());
      resource.put("patternType", pattern.patternType() == PatternType.PREFIXED ? "prefix" : "literal");
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("resource", resource);
      rule.put("operations", ops);
      rule.put("host", "*");
      rule.put("type", "allow");
      out.add(rule);
    });
    return out;
  }

  private static String resourceType(ResourcePattern pattern) {
    return switch (pattern.resourceType()) {
      case TOPIC -> "topic";
      case GROUP -> "group";
      case TRANSACTIONAL_ID -> "transactionalId";
      case CLUSTER -> "cluster";
      default -> throw new IllegalArgumentException("no Strimzi ACL resource type for " + pattern.resourceType());
    };
  }

  /** Kafka's READ, IDEMPOTENT_WRITE as Strimzi writes them: Read, IdempotentWrite. */
  private static String operation(String kafka) {
    StringBuilder out = new StringBuilder();
    for (String part : kafka.split("_")) {
      out.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return out.toString();
  }

  private static GenericKubernetesResource topic(K8sOptions options, Map<String, String> labels, String name,
      int partitions, short replicas, Map<String, String> config) {
    Map<String, String> withCluster = new LinkedHashMap<>(labels);
    withCluster.put("strimzi.io/cluster", options.kafkaCluster());
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("topicName", name);
    spec.put("partitions", partitions);
    spec.put("replicas", (int) replicas);
    if (!config.isEmpty()) {
      spec.put("config", new TreeMap<>(config));
    }
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(options.strimziApiVersion()).withKind("KafkaTopic")
        .withNewMetadata().withName(Names.resource(name)).withLabels(withCluster).endMetadata()
        .withAdditionalProperties(Map.of("spec", spec))
        .build();
  }

  private static Map<String, Object> ordered(Object... keyValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      out.put((String) keyValues[i], keyValues[i + 1]);
    }
    return out;
  }
}
