package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.ModelCallListener;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.JavaNode;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.graph.LlmNode;
import io.agentmesh.core.graph.Node;
import io.agentmesh.core.graph.RouterNode;
import io.agentmesh.core.graph.SubGraphNode;
import io.agentmesh.core.graph.ToolNode;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: any set of node replicas of one compiled graph, sharing one Redis
 * connection, one codec and one model catalogue. {@code mesh run} puts every node in one process;
 * {@code mesh agent --node N} starts one replica of one node.
 *
 * <p>Sub-graphs: a {@code graph} node's replicas only start child runs on the child's ingress and
 * wait for their results; they never run the child's nodes. {@link #startAll()} (in-process
 * {@code mesh run}) also starts a runtime for every graph below this one, from the child plans in
 * this plan, so the whole hierarchy runs in the process. Deployed apart ({@link #startNode}, as
 * {@code mesh agent} does), each child node is a group of its own, started by its own
 * {@code mesh agent --node <sub-graph>.<node>} (docs/decisions.md, D-entry on sub-graphs).
 *
 * <p>A replica stopped by a fatal error is replaced by a fresh worker after a backoff, until it has
 * failed too often ({@link RestartPolicy}); then {@link #healthy()} turns false (docs/decisions.md,
 * D-016).
 */
public final class MeshRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MeshRuntime.class);

  private final Graph graph;
  private final Plan plan;
  private final Endpoints endpoints;
  private final MeterRegistry meters;
  private final TopicNames topics;
  private final MeshRedis redis;
  private final WireCodec codec;
  private final ModelCatalog models;
  private final RuntimeMetrics metrics;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ToolBox tools;
  private final Map<String, NodeExecutor> executors = new ConcurrentHashMap<>();
  private WorkerSupervisor<Worker> supervisor;
  /** The producer this runtime's at-least-once workers share (D-024); made when the first one starts. */
  private final SharedProducer producers;
  private final NodeOutputSource replay;
  private final List<JoinApp> joins = new ArrayList<>();
  private final List<MeshRuntime> subGraphs = new ArrayList<>();
  private final ModelCallListener modelListener;
  private java.nio.file.Path stateDir = defaultStateDir();
  private RestartPolicy restartPolicy = RestartPolicy.defaults();

  /**
   * Where the process's servers are.
   *
   * @param kafkaBootstrap the broker
   * @param redisUri Redis
   * @param registryUrl the Schema Registry
   * @param modelBaseUrls rewrites a model's base URL (identity outside the embedded default)
   */
  public record Endpoints(String kafkaBootstrap, String redisUri, String registryUrl, UnaryOperator<String> modelBaseUrls) {
    public Endpoints {
      Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
      Objects.requireNonNull(redisUri, "redisUri");
      Objects.requireNonNull(registryUrl, "registryUrl");
      Objects.requireNonNull(modelBaseUrls, "modelBaseUrls");
    }
  }

  private MeshRuntime(Graph graph, Plan plan, Endpoints endpoints, MeterRegistry meters, ModelCallListener modelListener,
                      NodeOutputSource replay) {
    this.graph = graph;
    this.plan = plan;
    this.endpoints = endpoints;
    this.meters = meters;
    this.topics = TopicNames.of(plan.topicPrefix(), graph.name());
    this.redis = MeshRedis.connect(endpoints.redisUri());
    this.codec = WireCodec.forRegistry(endpoints.registryUrl());
    this.models = new ModelCatalog(graph, endpoints.modelBaseUrls(), modelListener);
    this.metrics = new RuntimeMetrics(meters, graph.name());
    this.replay = replay;
    this.modelListener = modelListener;
    this.tools = new ToolBox(graph, http);
    this.supervisor = supervisor(restartPolicy);
    this.producers = new SharedProducer(() -> new KafkaProducer<>(Worker.producerConfig(endpoints.kafkaBootstrap(),
        graph.name() + ".shared-" + UUID.randomUUID().toString().substring(0, 8) + "-producer"),
        new ByteArraySerializer(), new ByteArraySerializer()));
  }

  private WorkerSupervisor<Worker> supervisor(RestartPolicy policy) {
    return WorkerSupervisor.create(graph.name(), policy, new WorkerSupervisor.Control<>() {
      @Override
      public Worker.State state(Worker worker) {
        return worker.state();
      }

      @Override
      public Throwable failure(Worker worker) {
        return worker.failure();
      }

      @Override
      public void dispose(Worker worker) {
        worker.stop(Duration.ZERO);
      }

      @Override
      public void restarted(String node) {
        metrics.workerRestarted(node);
      }
    });
  }

  /** A runtime for a compiled graph; starts nothing yet. */
  public static MeshRuntime create(Graph graph, Plan plan, Endpoints endpoints, MeterRegistry meters) {
    return new MeshRuntime(graph, plan, endpoints, meters, new ModelCallListener() { }, null);
  }

  /**
   * A runtime that serves recorded outputs instead of calling models (deterministic replay): a
   * node input with no recording fails its run and is never sent to a model.
   */
  public static MeshRuntime create(Graph graph, Plan plan, Endpoints endpoints, MeterRegistry meters, NodeOutputSource replay) {
    return new MeshRuntime(graph, plan, endpoints, meters, new ModelCallListener() { }, Objects.requireNonNull(replay, "replay"));
  }

  /**
   * Where join nodes keep their Kafka Streams state (a directory per replica below it). Default:
   * the system property {@code mesh.stateDir}, else {@code ~/.agentmesh/state}.
   */
  public synchronized MeshRuntime stateDir(java.nio.file.Path dir) {
    this.stateDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /**
   * How replicas stopped by a fatal error are replaced, here and in the graphs {@link #startAll()}
   * starts below this one (default {@link RestartPolicy#defaults()}); set it before starting any.
   */
  public synchronized MeshRuntime restartPolicy(RestartPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    if (!supervisor.workers().isEmpty() || !subGraphs.isEmpty()) {
      throw new IllegalStateException("graph " + graph.name() + ": the restart policy must be set before any node is started");
    }
    this.restartPolicy = policy;
    supervisor.close(); // it supervised nothing yet
    this.supervisor = supervisor(policy);
    return this;
  }

  private static java.nio.file.Path defaultStateDir() {
    String configured = System.getProperty("mesh.stateDir");
    return configured != null ? java.nio.file.Path.of(configured)
        : java.nio.file.Path.of(System.getProperty("user.home"), ".agentmesh", "state");
  }

  /**
   * Starts {@code replicas} workers of a node, each its own consumer in the node's group. A join
   * node starts {@code replicas} Kafka Streams instances instead (see {@link #joins()}) and
   * returns no workers.
   */
  public synchronized List<Worker> startNode(String node, int replicas) {
    Plan.GroupPlan group = plan.group(node);
    if (graph.node(node) instanceof JoinNode join) {
      for (int i = 0; i < replicas; i++) {
        String clientId = graph.name() + "." + node + "." + UUID.randomUUID().toString().substring(0, 8);
        joins.add(JoinApp.start(graph, join, group, topics, codec, redis, metrics, endpoints.kafkaBootstrap(), clientId,
            stateDir.resolve("streams")));
      }
      return List.of();
    }
    NodeExecutor executor = executors.computeIfAbsent(node, this::executorFor);
    List<Worker> started = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      String clientId = graph.name() + "." + node + "." + UUID.randomUUID().toString().substring(0, 8);
      WorkerConfig config = WorkerConfig.of(endpoints.kafkaBootstrap(), group.groupId(), clientId, group.inbound(), group.maxInFlight())
          .withTransactional(plan.delivery() == DeploymentSpec.Delivery.EXACTLY_ONCE);
      HopHandler handler = new HopHandler(graph, node, topics, codec, redis, executor, metrics, Clock.systemUTC(), replay);
      // the handler fails a run itself for anything but an Error; the mesh's records are keyed by run id
      FailureHandler lastResort = (record, error) -> Outcome.of(List.of(DeadLetters.of(record, graph.name(), node,
          record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8), error, group.deadLetterTopic(),
          codec, Clock.systemUTC())));
      WorkerListener listener = metrics.workerListener(node);
      // the supervisor calls this again, with the same settings, to replace the replica after a fatal error
      Worker worker = supervisor.add(node, clientId, () -> Worker.create(config, handler, lastResort, listener, producers).start());
      started.add(worker);
      LOG.info("node {}: replica {} consuming {} (group {}, in flight up to {}, {})", node, clientId, group.inbound(),
          group.groupId(), group.maxInFlight(), plan.delivery().yamlName());
    }
    return started;
  }

  /**
   * Starts every node of the plan with the replica count its spec asks for, and every node of every
   * graph below it (each child graph once, in a runtime of its own, with its plan from this plan).
   */
  public synchronized MeshRuntime startAll() {
    List<Plan> below = plan.allPlans();
    for (Plan childPlan : below.subList(1, below.size())) {
      Graph child = graph.subGraphs().get(childPlan.graph());
      MeshRuntime runtime = new MeshRuntime(child, childPlan, endpoints, meters, modelListener, replay).stateDir(stateDir)
          .restartPolicy(restartPolicy);
      subGraphs.add(runtime);
      runtime.startNodes();
    }
    return startNodes();
  }

  private MeshRuntime startNodes() {
    for (Plan.GroupPlan group : plan.groups()) {
      startNode(group.node(), group.replicas());
    }
    return this;
  }

  private NodeExecutor executorFor(String name) {
    Node node = graph.node(name);
    return switch (node) {
      case LlmNode llm -> new LlmExecutor(llm, models, redis, tools, metrics);
      case RouterNode router -> new RouterExecutor(router, models, metrics);
      case JavaNode java -> new JavaExecutor(java, 3);
      case ToolNode tool -> new ToolExecutor(tool, tools.http(tool.tool()));
      case SubGraphNode sub -> new SubGraphExecutor(sub, plan.subGraph(name).orElseThrow(() -> new IllegalStateException(
          "the plan of graph '" + graph.name() + "' has no sub-graph plan for node '" + name + "'")), endpoints, codec, redis);
      case JoinNode join -> new JoinExecutor();
      default -> throw new UnsupportedOperationException("node '" + name + "' is a " + node.type().yamlName()
          + " node, which this runtime does not run yet (see issue #4)");
    };
  }

  /** The current worker of every replica started so far (a failed one until the supervisor replaces it). */
  public synchronized List<Worker> workers() {
    return supervisor.workers();
  }

  /**
   * Whether every replica of this runtime, and of the graphs below it, is running or being
   * replaced: false once a replica failed too often to be restarted again (see
   * {@link #failedReplicas()}). A process should then report itself unhealthy or exit non-zero.
   */
  public boolean healthy() {
    return failedReplicas().isEmpty();
  }

  /** The replicas, here and below, that failed too often to be restarted again (docs/decisions.md, D-016). */
  public List<FailedReplica> failedReplicas() {
    List<FailedReplica> failed = new ArrayList<>();
    WorkerSupervisor<Worker> current;
    synchronized (this) {
      current = supervisor;
    }
    for (WorkerSupervisor.OpenCircuit open : current.openCircuits()) {
      failed.add(new FailedReplica(graph.name(), open.node(), open.replica(), open.failures(), open.window(), open.lastFailure()));
    }
    subGraphs().forEach(child -> failed.addAll(child.failedReplicas()));
    return List.copyOf(failed);
  }

  /**
   * A node replica that is no longer restarted.
   *
   * @param graph its graph
   * @param node its node
   * @param replica its client id
   * @param failures the fatal failures counted within {@code window}
   * @param window the span of the policy's failure budget
   * @param lastFailure the error that stopped it last
   */
  public record FailedReplica(String graph, String node, String replica, int failures, Duration window, Throwable lastFailure) {}

  /** The runtimes of the graphs below this one that {@link #startAll()} started (empty otherwise). */
  public synchronized List<MeshRuntime> subGraphs() {
    return List.copyOf(subGraphs);
  }

  /** The join replicas (Kafka Streams apps) started so far. */
  public synchronized List<JoinApp> joins() {
    return List.copyOf(joins);
  }

  /** The Redis stores this runtime uses (run records, state). */
  public MeshRedis redis() {
    return redis;
  }

  /** The codec this runtime uses. */
  public WireCodec codec() {
    return codec;
  }

  /** Graceful stop of every worker (in parallel; none is restarted from here on), then the shared clients. */
  @Override
  public void close() {
    WorkerSupervisor<Worker> current;
    synchronized (this) {
      current = supervisor;
    }
    current.close(); // first: a replacement starting now is disposed of, and no later one starts
    List<Thread> stopping = new ArrayList<>();
    for (Worker worker : current.workers()) {
      stopping.add(Thread.ofVirtual().start(worker::close));
    }
    for (JoinApp join : joins()) {
      stopping.add(Thread.ofVirtual().start(join::close));
    }
    for (Thread thread : stopping) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (NodeExecutor executor : executors.values()) {
      if (executor instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          LOG.warn("closing the executor of a node failed: {}", e.toString());
        }
      }
    }
    producers.close(); // the workers have released it: closes now
    subGraphs().forEach(MeshRuntime::close); // after the executors: no parent still waits on a child
    tools.close();
    models.close();
    redis.close();
  }
}
