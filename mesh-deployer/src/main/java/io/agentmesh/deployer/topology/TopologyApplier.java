package io.agentmesh.deployer.topology;

import io.agentmesh.core.plan.AdminFutures;
import io.agentmesh.core.MeshException;
import io.agentmesh.core.plan.ApplyResult;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes a broker's topics and ACLs match a graph's topology with the {@link Admin} client, for
 * clusters without Strimzi ({@code mesh topology apply}).
 *
 * <p>Topics go through mesh-core's {@link PlanApplier} (create, grow, report conflicts), plus the
 * registry's compacted {@code _schemas}. ACLs are diffed: wanted bindings the broker lacks are
 * added; bindings of the principals this plan manages that are no longer wanted are removed.
 * Bindings of any other principal are never read into the diff, so never touched. Idempotent: a
 * second apply finds an empty diff. {@link #apply} returns once the broker shows the result. The admin client must be allowed to alter ACLs (a super user).
 */
public final class TopologyApplier {

  private final Admin admin;
  private final Duration timeout;

  /** An applier using {@code admin} (not closed by the applier), waiting up to {@code timeout} per request. */
  public TopologyApplier(Admin admin, Duration timeout) {
    this.admin = Objects.requireNonNull(admin, "admin");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The changes an apply would make; changes nothing (the dry run). */
  public TopologyDiff diff(Plan plan, AclPlan acls) {
    List<String> wantedTopics = new ArrayList<>(plan.allTopics().stream().map(Plan.TopicPlan::name).toList());
    wantedTopics.add(AclPlanner.SCHEMAS_TOPIC);
    Set<String> existing = AdminFutures.await(admin.listTopics().names(), timeout, "list topics");
    List<String> create = wantedTopics.stream().filter(t -> !existing.contains(t)).toList();
    List<String> present = plan.allTopics().stream().map(Plan.TopicPlan::name).filter(existing::contains).toList();
    List<String> grow = new ArrayList<>();
    if (!present.isEmpty()) {
      Map<String, TopicDescription> described = AdminFutures.await(admin.describeTopics(present).allTopicNames(), timeout, "describe topics");
      plan.allTopics().stream()
          .filter(t -> described.containsKey(t.name()) && described.get(t.name()).partitions().size() < t.partitions())
          .forEach(t -> grow.add(t.name()));
    }
    Set<AclBinding> wanted = new LinkedHashSet<>(acls.all());
    Set<AclBinding> current = managedBindings(acls.managedPrincipals());
    List<AclBinding> add = wanted.stream().filter(b -> !current.contains(b)).toList();
    List<AclBinding> remove = current.stream().filter(b -> !wanted.contains(b)).toList();
    return new TopologyDiff(create, grow, add, remove);
  }

  /** Applies topics and ACLs; throws {@link MeshException} when the broker refuses or cannot be reached. */
  public TopologyResult apply(Plan plan, AclPlan acls) {
    TopologyDiff diff = diff(plan, acls);
    ApplyResult topics = new PlanApplier(admin, timeout).apply(plan);
    if (diff.topicsToCreate().contains(AclPlanner.SCHEMAS_TOPIC)) {
      createSchemasTopic(plan);
    }
    if (!diff.aclsToAdd().isEmpty()) {
      AdminFutures.await(admin.createAcls(diff.aclsToAdd()).all(), timeout, "create ACLs");
    }
    if (!diff.aclsToRemove().isEmpty()) {
      List<AclBindingFilter> filters = diff.aclsToRemove().stream().map(AclBinding::toFilter).toList();
      AdminFutures.await(admin.deleteAcls(filters).all(), timeout, "delete ACLs");
    }
    awaitVisible(plan, acls);
    return new TopologyResult(diff, topics);
  }

  /**
   * Waits until the broker shows what the controller committed: KRaft brokers apply metadata a
   * moment after the admin call returns, and an agent started at once would meet the old ACLs.
   */
  private void awaitVisible(Plan plan, AclPlan acls) {
    long deadline = System.nanoTime() + timeout.toNanos();
    TopologyDiff left = diff(plan, acls);
    while (!left.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new MeshException("applied, but the broker still shows " + left.lines().size() + " differences after "
            + timeout + ": " + String.join("; ", left.lines()), true);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MeshException("interrupted while waiting for the applied topology to show", e, true);
      }
      left = diff(plan, acls);
    }
  }

  /** The registry's topic: one partition, compacted, the plan's replication factor. */
  public static NewTopic schemasTopic(Plan plan) {
    short replication = plan.topics().isEmpty() ? 1 : plan.topics().getFirst().replicationFactor();
    return new NewTopic(AclPlanner.SCHEMAS_TOPIC, 1, replication)
        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
  }

  private void createSchemasTopic(Plan plan) {
    try {
      admin.createTopics(List.of(schemasTopic(plan))).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw AdminFutures.failure("create topic " + AclPlanner.SCHEMAS_TOPIC, e.getCause());
      }
    } catch (TimeoutException e) {
      throw AdminFutures.failure("create topic " + AclPlanner.SCHEMAS_TOPIC, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw AdminFutures.failure("create topic " + AclPlanner.SCHEMAS_TOPIC, e);
    }
  }

  private Set<AclBinding> managedBindings(Collection<String> principals) {
    Collection<AclBinding> all = AdminFutures.await(admin.describeAcls(AclBindingFilter.ANY).values(), timeout, "describe ACLs");
    Set<AclBinding> out = new LinkedHashSet<>();
    all.stream().filter(b -> principals.contains(b.entry().principal())).forEach(out::add);
    return out;
  }


}
