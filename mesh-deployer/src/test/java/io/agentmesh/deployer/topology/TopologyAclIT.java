package io.agentmesh.deployer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.infra.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The computed ACLs hold on a real broker: SASL/PLAIN users, KRaft's StandardAuthorizer, no ACL
 * means no access. The support-triage graph's ACLs are applied with {@link TopologyApplier} as the
 * admin; then the billing agent's principal does what its edges need and is denied the rest.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TopologyAclIT {

  private static final Path EXAMPLE = Path.of("..", "examples", "support-triage");
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final AclBinding FOREIGN = new AclBinding(
      new ResourcePattern(ResourceType.TOPIC, "someone-elses-topic", PatternType.LITERAL),
      new AccessControlEntry("User:someone-else", "*", AclOperation.READ, AclPermissionType.ALLOW));

  private static EmbeddedKafka kafka;
  private static Admin admin;
  private static Plan plan;
  private static AclPlan acls;
  private static AclBinding stale;

  @BeforeAll
  static void startSecuredBroker() throws Exception {
    Graph graph = GraphLoader.load(EXAMPLE.resolve("graph.yaml"));
    plan = PlanCompiler.compile(graph, GraphLoader.loadSpec(EXAMPLE.resolve("deploy.yaml"), graph));
    acls = AclPlanner.plan(plan);
    Map<String, String> users = new LinkedHashMap<>();
    users.put("admin", "admin-secret");
    acls.principals().forEach(p -> users.put(p.name(), p.name() + "-secret"));
    kafka = EmbeddedKafka.builder()
        .saslPlain(users, "admin")
        .brokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
        // The broker reaches its own controller over the PLAINTEXT controller listener as ANONYMOUS.
        .brokerProperty("super.users", "User:admin;User:ANONYMOUS")
        .brokerProperty("allow.everyone.if.no.acl.found", "false")
        .build().start();
    admin = Admin.create(client("admin"));
    // Before the apply: a binding of another principal (must survive) and a stale one of billing's
    // (the plan does not want it: must go).
    stale = new AclBinding(new ResourcePattern(ResourceType.TOPIC, plan.group("technical").inbound().getFirst(),
        PatternType.LITERAL), new AccessControlEntry(billing().principal(), "*", AclOperation.READ, AclPermissionType.ALLOW));
    admin.createAcls(List.of(FOREIGN, stale)).all().get();
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  @Order(1)
  void dryRunShowsEveryTopicAndBindingToAddAndTheStaleOneToRemove() {
    TopologyDiff diff = new TopologyApplier(admin, TIMEOUT).diff(plan, acls);

    List<String> topics = new ArrayList<>(plan.topics().stream().map(Plan.TopicPlan::name).toList());
    topics.add(AclPlanner.SCHEMAS_TOPIC);
    assertThat(diff.topicsToCreate()).containsExactlyInAnyOrderElementsOf(topics);
    assertThat(diff.aclsToAdd()).containsExactlyInAnyOrderElementsOf(acls.all());
    assertThat(diff.aclsToRemove()).containsExactly(stale);
    assertThat(diff.lines()).contains("- acl " + TopologyDiff.describe(stale));
  }

  @Test
  @Order(2)
  void applyThenSecondApplyIsANoOpAndOtherPrincipalsAreUntouched() throws Exception {
    TopologyApplier applier = new TopologyApplier(admin, TIMEOUT);
    TopologyResult first = applier.apply(plan, acls);
    assertThat(first.changes().isEmpty()).isFalse();
    assertThat(first.topics().hasConflicts()).isFalse();

    assertThat(applier.diff(plan, acls).lines()).as("apply returns once the broker shows it").isEmpty();
    TopologyResult second = applier.apply(plan, acls);
    assertThat(second.changes().isEmpty()).as("second apply: %s", second.changes().lines()).isTrue();
    var present = admin.describeAcls(AclBindingFilter.ANY).values().get();
    assertThat(present).contains(FOREIGN).doesNotContain(stale).containsAll(acls.all());
  }

  @Test
  @Order(3)
  void billingConsumesItsInboundTopicAndProducesItsOutputsTransactionally() throws Exception {
    Plan.GroupPlan billing = plan.group("billing");
    String inbound = billing.inbound().getFirst();
    try (KafkaProducer<String, String> seed = producer("admin", Map.of())) {
      seed.send(new ProducerRecord<>(inbound, "run-1", "{\"ticket\":\"refund\"}")).get();
    }
    try (KafkaConsumer<String, String> consumer = consumer(billing().name(), billing.groupId());
        KafkaProducer<String, String> producer = producer(billing().name(),
            Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, billing.groupId() + "-" + UUID.randomUUID()))) {
      consumer.subscribe(List.of(inbound));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (records.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).extracting(ConsumerRecord::key).containsExactly("run-1");

      producer.initTransactions();
      producer.beginTransaction();
      for (Plan.Outbound out : billing.outbound()) {
        producer.send(new ProducerRecord<>(out.topic(), "run-1", "answer"));
      }
      producer.send(new ProducerRecord<>(plan.topics().stream()
          .filter(t -> t.role() == Plan.TopicRole.EVENTS).findFirst().orElseThrow().name(), "run-1", "visited"));
      producer.send(new ProducerRecord<>(billing.deadLetterTopic(), "run-1", "dead letter"));
      ConsumerRecord<String, String> last = records.getLast();
      producer.sendOffsetsToTransaction(
          Map.of(new TopicPartition(last.topic(), last.partition()), new OffsetAndMetadata(last.offset() + 1)),
          consumer.groupMetadata());
      producer.commitTransaction();
      // commitTransaction returns once the coordinator has decided; the markers reach the group
      // coordinator afterwards, so the committed offset becomes visible a moment later.
      TopicPartition partition = new TopicPartition(last.topic(), last.partition());
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
          assertThat(admin.listConsumerGroupOffsets(billing.groupId()).partitionsToOffsetAndMetadata().get())
              .extractingByKey(partition).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(last.offset() + 1));
    }
  }

  @Test
  @Order(4)
  void billingIsDeniedAnotherAgentsTopic() {
    String technicalInbound = plan.group("technical").inbound().getFirst();
    try (KafkaConsumer<String, String> consumer = consumer(billing().name(), plan.group("billing").groupId())) {
      consumer.assign(List.of(new TopicPartition(technicalInbound, 0)));
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(5)))
          .isInstanceOf(TopicAuthorizationException.class)
          .hasMessageContaining(technicalInbound);
    }
  }

  @Test
  @Order(5)
  void billingIsDeniedWritingIngress() {
    String ingress = plan.topics().getFirst().name();
    try (KafkaProducer<String, String> producer = producer(billing().name(), Map.of())) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(ingress, "run-2", "{}")).get())
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  @Order(6)
  void billingIsDeniedAnotherAgentsGroup() {
    String inbound = plan.group("billing").inbound().getFirst();
    try (KafkaConsumer<String, String> consumer = consumer(billing().name(), plan.group("technical").groupId())) {
      consumer.subscribe(List.of(inbound));
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(5)))
          .isInstanceOf(GroupAuthorizationException.class);
    }
  }

  @Test
  @Order(7)
  void billingIsDeniedAnotherAgentsTransactionalIds() {
    String foreignId = plan.group("technical").groupId() + "-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = producer(billing().name(),
        Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, foreignId))) {
      assertThatThrownBy(producer::initTransactions).isInstanceOf(TransactionalIdAuthorizationException.class);
    }
  }

  @Test
  @Order(8)
  void gatewayWritesIngressButCannotReadIt() {
    String ingress = plan.topics().getFirst().name();
    String gateway = AclPlanner.userName(plan, "gateway");
    try (KafkaProducer<String, String> producer = producer(gateway, Map.of())) {
      assertThatCode(() -> producer.send(new ProducerRecord<>(ingress, "run-3", "{}")).get());
    }
    try (KafkaConsumer<String, String> consumer = consumer(gateway, AclPlanner.gatewayGroup(plan))) {
      consumer.assign(List.of(new TopicPartition(ingress, 0)));
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(5))).isInstanceOf(TopicAuthorizationException.class);
    }
  }

  private static void assertThatCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    org.assertj.core.api.Assertions.assertThatCode(call).doesNotThrowAnyException();
  }

  private static MeshPrincipal billing() {
    return acls.principalOfNode("billing");
  }

  private static Map<String, Object> client(String user) {
    Map<String, Object> props = new HashMap<>(kafka.clientSecurity(user));
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("default.api.timeout.ms", (int) TIMEOUT.toMillis());
    props.put("request.timeout.ms", 10_000);
    return props;
  }

  private static KafkaProducer<String, String> producer(String user, Map<String, Object> extra) {
    Map<String, Object> props = client(user);
    props.remove("default.api.timeout.ms");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.putAll(extra);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(String user, String group) {
    Map<String, Object> props = client(user);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

}
