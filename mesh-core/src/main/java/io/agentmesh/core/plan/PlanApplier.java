package io.agentmesh.core.plan;

import io.agentmesh.core.MeshException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Makes a broker's topics match a {@link Plan}, idempotently, with Kafka's {@link Admin} client.
 *
 * <p>Missing topics are created with the planned partitions, replication and configs; a topic with
 * fewer partitions than planned is grown. Anything else that differs is a conflict, reported and
 * left alone: more partitions than planned (Kafka cannot shrink a topic), another replication
 * factor (changing it means a reassignment, an operator's decision), or a planned config
 * ({@code cleanup.policy}, {@code retention.ms}) with another value. Running it twice changes
 * nothing the second time.
 */
public final class PlanApplier {

  private final Admin admin;
  private final Duration timeout;

  /** An applier using {@code admin} (not closed by the applier), waiting up to {@code timeout} per request. */
  public PlanApplier(Admin admin, Duration timeout) {
    this.admin = Objects.requireNonNull(admin, "admin");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** Applies the plan's topics and its sub-graphs'; throws {@link MeshException} when the broker cannot be reached or refuses. */
  public ApplyResult apply(Plan plan) {
    List<Plan.TopicPlan> topics = plan.allTopics();
    List<String> names = topics.stream().map(Plan.TopicPlan::name).toList();
    Map<String, TopicDescription> existing = describe(names);
    List<Plan.TopicPlan> missing = topics.stream().filter(t -> !existing.containsKey(t.name())).toList();
    Map<String, ApplyResult.TopicOutcome> outcomes = new HashMap<>();
    List<String> raced = create(missing, outcomes);
    if (!raced.isEmpty()) {
      existing.putAll(describeExisting(raced));
    }
    Map<String, Config> configs = configs(existing.keySet());
    Map<String, NewPartitions> grow = new LinkedHashMap<>();
    for (Plan.TopicPlan topic : topics) {
      TopicDescription current = existing.get(topic.name());
      if (current == null) {
        continue;
      }
      int partitions = current.partitions().size();
      List<String> conflicts = conflicts(topic, current, configs.get(topic.name()));
      if (!conflicts.isEmpty()) {
        outcomes.put(topic.name(), new ApplyResult.TopicOutcome(topic.name(), ApplyResult.Action.CONFLICT,
            partitions, partitions, String.join("; ", conflicts)));
      } else if (partitions < topic.partitions()) {
        grow.put(topic.name(), NewPartitions.increaseTo(topic.partitions()));
        outcomes.put(topic.name(), new ApplyResult.TopicOutcome(topic.name(), ApplyResult.Action.GREW,
            partitions, topic.partitions(), ""));
      } else {
        outcomes.put(topic.name(), new ApplyResult.TopicOutcome(topic.name(), ApplyResult.Action.UNCHANGED,
            partitions, partitions, ""));
      }
    }
    if (!grow.isEmpty()) {
      AdminFutures.await(admin.createPartitions(grow).all(), timeout, "grow partitions of " + grow.keySet());
    }
    if (!missing.isEmpty() || !grow.isEmpty()) {
      AdminFutures.awaitLeaders(admin, names, timeout); // workers may produce the moment this returns
    }
    List<ApplyResult.TopicOutcome> ordered = new ArrayList<>();
    topics.forEach(t -> ordered.add(outcomes.get(t.name())));
    return new ApplyResult(ordered);
  }

  private static List<String> conflicts(Plan.TopicPlan topic, TopicDescription current, Config config) {
    List<String> out = new ArrayList<>();
    int partitions = current.partitions().size();
    if (partitions > topic.partitions()) {
      out.add("has " + partitions + " partitions, plan wants " + topic.partitions() + " (Kafka cannot shrink a topic)");
    }
    int replication = current.partitions().isEmpty() ? 0 : current.partitions().getFirst().replicas().size();
    if (replication != topic.replicationFactor()) {
      out.add("replication factor is " + replication + ", plan wants " + topic.replicationFactor());
    }
    topic.config().forEach((key, wanted) -> {
      var entry = config == null ? null : config.get(key);
      String actual = entry == null ? null : entry.value();
      if (!wanted.equals(actual)) {
        out.add(key + " is " + actual + ", plan wants " + wanted);
      }
    });
    return out;
  }

  /** Creates the topics; returns those another client created first (to be compared like existing ones). */
  private List<String> create(List<Plan.TopicPlan> topics, Map<String, ApplyResult.TopicOutcome> outcomes) {
    if (topics.isEmpty()) {
      return List.of();
    }
    List<NewTopic> requests = topics.stream()
        .map(t -> new NewTopic(t.name(), t.partitions(), t.replicationFactor()).configs(t.config())).toList();
    Map<String, KafkaFuture<Void>> results = admin.createTopics(requests).values();
    List<String> raced = new ArrayList<>();
    for (Plan.TopicPlan topic : topics) {
      try {
        results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        outcomes.put(topic.name(), new ApplyResult.TopicOutcome(topic.name(), ApplyResult.Action.CREATED,
            0, topic.partitions(), ""));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          raced.add(topic.name());
        } else {
          throw AdminFutures.failure("create topic " + topic.name(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw AdminFutures.failure("create topic " + topic.name(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AdminFutures.failure("create topic " + topic.name(), e);
      }
    }
    return raced;
  }

  /**
   * Describes topics the broker says exist but whose metadata may not have reached the broker's
   * cache yet (created a moment ago, by this or another client): polls until all are visible.
   */
  private Map<String, TopicDescription> describeExisting(List<String> names) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, TopicDescription> found = describe(names);
      if (found.size() == names.size()) {
        return found;
      }
      if (System.nanoTime() > deadline) {
        List<String> absent = names.stream().filter(n -> !found.containsKey(n)).toList();
        throw new MeshException("topics " + absent + " exist but their metadata did not become visible within "
            + timeout, true);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AdminFutures.failure("describe topics " + names, e);
      }
    }
  }

  private Map<String, TopicDescription> describe(List<String> names) {
    Map<String, TopicDescription> out = new LinkedHashMap<>();
    admin.describeTopics(names).topicNameValues().forEach((name, future) -> {
      try {
        out.put(name, future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw AdminFutures.failure("describe topic " + name, e.getCause());
        }
      } catch (TimeoutException e) {
        throw AdminFutures.failure("describe topic " + name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AdminFutures.failure("describe topic " + name, e);
      }
    });
    return out;
  }

  private Map<String, Config> configs(java.util.Collection<String> topics) {
    if (topics.isEmpty()) {
      return Map.of();
    }
    List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = AdminFutures.await(admin.describeConfigs(resources).all(), timeout, "describe topic configs");
    Map<String, Config> out = new HashMap<>();
    configs.forEach((resource, config) -> out.put(resource.name(), config));
    return out;
  }


}
