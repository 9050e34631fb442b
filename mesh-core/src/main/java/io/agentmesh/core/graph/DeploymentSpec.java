package io.agentmesh.core.graph;

import com.fasterxml.jackson.annotation.JsonValue;
import io.agentmesh.core.wire.TopicNames;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where and how a graph runs (deploy.yaml), kept apart from the graph itself.
 *
 * @param topicPrefix first part of every topic name
 * @param topics partitions and replication of topics not sized per node
 * @param nodes per-node settings; a node not listed gets {@link NodeDeployment#DEFAULT}. A node of a
 *     sub-graph is named {@code <child-graph>.<node>} (graph and node names have no dots)
 * @param processes co-location groups: nodes that share one process
 * @param endpoints existing servers to use; an absent one is started embedded
 * @param delivery how the graph's workers publish outputs and commit inputs (D-020)
 */
public record DeploymentSpec(
    String topicPrefix,
    TopicDefaults topics,
    Map<String, NodeDeployment> nodes,
    List<ProcessGroup> processes,
    Endpoints endpoints,
    Delivery delivery) {

  /** Separates a sub-graph's name from its node's in a qualified node name ({@code team.draft}). */
  public static final String SUB_GRAPH_SEPARATOR = ".";

  public DeploymentSpec {
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(topics, "topics");
    nodes = Map.copyOf(nodes);
    processes = List.copyOf(processes);
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(delivery, "delivery");
  }

  /** The spec used when none is given: default prefix, topics and node settings, everything embedded. */
  public static DeploymentSpec defaults() {
    return new DeploymentSpec(TopicNames.DEFAULT_PREFIX, TopicDefaults.DEFAULT, Map.of(), List.of(), Endpoints.EMBEDDED,
        Delivery.EXACTLY_ONCE);
  }

  /** The settings of {@code node}, or the defaults when the spec does not list it. */
  public NodeDeployment node(String node) {
    return nodes.getOrDefault(node, NodeDeployment.DEFAULT);
  }

  /**
   * The spec a sub-graph called {@code graph} is compiled with: this spec's prefix, topic defaults
   * endpoints and delivery; its {@code <graph>.<node>} entries as the child's own {@code <node>} entries,
   * entries of other graphs (the child's own sub-graphs) kept qualified; no processes (a child's
   * nodes are not co-located with anything).
   */
  public DeploymentSpec forSubGraph(String graph) {
    String qualifier = graph + SUB_GRAPH_SEPARATOR;
    Map<String, NodeDeployment> child = new java.util.LinkedHashMap<>();
    nodes.forEach((name, settings) -> {
      if (name.startsWith(qualifier)) {
        child.put(name.substring(qualifier.length()), settings);
      } else if (name.contains(SUB_GRAPH_SEPARATOR)) {
        child.put(name, settings);
      }
    });
    return new DeploymentSpec(topicPrefix, topics, child, List.of(), endpoints, delivery);
  }

  /**
   * The delivery guarantee of a graph's workers (D-020). Either way an input's output is
   * checkpointed in Redis before its offset is committed, so a redelivered input does not call the
   * model again; the two differ in what a crash can leave on the topics.
   */
  public enum Delivery {
    /**
     * Outputs and input offsets are committed in one Kafka transaction per commit pass (D-003):
     * after a crash every run still has exactly one result on the results topic. The default.
     */
    EXACTLY_ONCE("exactly-once"),
    /**
     * Outputs are published, acknowledged by the broker, and then the input offsets are committed,
     * with no transaction: fewer broker round trips per pass, but a crash between the two publishes
     * those outputs again (the same content, from the checkpoints), so a run can have its result
     * twice and readers deduplicate by run id.
     */
    AT_LEAST_ONCE("at-least-once");

    private final String yamlName;

    Delivery(String yamlName) {
      this.yamlName = yamlName;
    }

    /** How deploy.yaml and the plan spell it. */
    @JsonValue
    public String yamlName() {
      return yamlName;
    }

    /** The delivery spelled {@code name} in deploy.yaml, if there is one. */
    public static Optional<Delivery> fromYaml(String name) {
      for (Delivery d : values()) {
        if (d.yamlName.equals(name)) {
          return Optional.of(d);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Partitions and replication for topics.
   *
   * @param partitions partitions of topics with no per-node setting
   * @param replicationFactor replication factor of every topic
   */
  public record TopicDefaults(int partitions, short replicationFactor) {
    /** 3 partitions, replication 1 (one local broker). */
    public static final TopicDefaults DEFAULT = new TopicDefaults(3, (short) 1);
  }

  /**
   * Settings of one node.
   *
   * @param replicas number of replicas (consumers in the node's group)
   * @param maxInFlight most inputs one replica processes at once
   * @param partitions partitions of the node's inbound topics; empty for the topic default
   * @param resources CPU and memory requests of one replica
   */
  public record NodeDeployment(int replicas, int maxInFlight, OptionalInt partitions, Resources resources) {
    /** In-flight limit used when none is given. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    /** One replica, default in-flight limit, default partitions, no resource requests. */
    public static final NodeDeployment DEFAULT =
        new NodeDeployment(1, DEFAULT_MAX_IN_FLIGHT, OptionalInt.empty(), Resources.NONE);

    public NodeDeployment {
      Objects.requireNonNull(partitions, "partitions");
      Objects.requireNonNull(resources, "resources");
    }
  }

  /**
   * Resource requests in Kubernetes quantity syntax.
   *
   * @param cpu e.g. {@code 500m} or {@code 2}
   * @param memory e.g. {@code 512Mi}
   */
  public record Resources(Optional<String> cpu, Optional<String> memory) {
    /** No requests. */
    public static final Resources NONE = new Resources(Optional.empty(), Optional.empty());
  }

  /**
   * A set of nodes run in one process.
   *
   * @param name process name
   * @param nodes node names
   */
  public record ProcessGroup(String name, List<String> nodes) {
    public ProcessGroup {
      Objects.requireNonNull(name, "name");
      nodes = List.copyOf(nodes);
    }
  }

  /**
   * Servers to use; each absent one is started embedded on this machine.
   *
   * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
   * @param redisUri Redis URI, e.g. {@code redis://localhost:6379}
   * @param registryUrl Schema Registry URL
   */
  public record Endpoints(Optional<String> kafkaBootstrap, Optional<URI> redisUri, Optional<URI> registryUrl) {
    /** Everything embedded. */
    public static final Endpoints EMBEDDED = new Endpoints(Optional.empty(), Optional.empty(), Optional.empty());
  }
}
