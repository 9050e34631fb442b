package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one {@link Worker}.
 *
 * @param bootstrapServers the broker
 * @param groupId the node's consumer group (one per node, shared by its replicas)
 * @param clientId names this replica in logs, metrics and client ids
 * @param topics the node's inbound topics
 * @param maxInFlight records handled at once before fetching pauses (back-pressure)
 * @param pollTimeout how long a poll waits when nothing is completing
 * @param shutdownGrace how long a graceful stop lets in-flight records finish
 * @param consumerOverrides extra consumer settings, applied last
 * @param producerOverrides extra producer settings, applied last
 * @param transactional whether outputs and offsets are committed in one transaction per pass
 *     (exactly-once, the default) or outputs acknowledged first and offsets committed after them
 *     (at-least-once; D-020)
 */
public record WorkerConfig(String bootstrapServers, String groupId, String clientId, List<String> topics,
                           int maxInFlight, Duration pollTimeout, Duration shutdownGrace,
                           Map<String, Object> consumerOverrides, Map<String, Object> producerOverrides,
                           boolean transactional) {

  public WorkerConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(clientId, "clientId");
    topics = List.copyOf(topics);
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("worker " + clientId + ": topics must not be empty");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("worker " + clientId + ": maxInFlight must be at least 1, got " + maxInFlight);
    }
    Objects.requireNonNull(pollTimeout, "pollTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    consumerOverrides = Map.copyOf(consumerOverrides);
    producerOverrides = Map.copyOf(producerOverrides);
  }

  /** Defaults for everything but the identity, topics and in-flight limit. */
  public static WorkerConfig of(String bootstrapServers, String groupId, String clientId, List<String> topics, int maxInFlight) {
    return new WorkerConfig(bootstrapServers, groupId, clientId, topics, maxInFlight,
        Duration.ofMillis(100), Duration.ofSeconds(30), Map.of(), Map.of(), true);
  }

  /** The same settings with extra consumer properties. */
  public WorkerConfig withConsumerOverrides(Map<String, Object> overrides) {
    return new WorkerConfig(bootstrapServers, groupId, clientId, topics, maxInFlight, pollTimeout, shutdownGrace, overrides,
        producerOverrides, transactional);
  }

  /** The same settings with another shutdown grace. */
  public WorkerConfig withShutdownGrace(Duration grace) {
    return new WorkerConfig(bootstrapServers, groupId, clientId, topics, maxInFlight, pollTimeout, grace, consumerOverrides,
        producerOverrides, transactional);
  }

  /** The same settings, committing with or without a transaction. */
  public WorkerConfig withTransactional(boolean transactional) {
    return new WorkerConfig(bootstrapServers, groupId, clientId, topics, maxInFlight, pollTimeout, shutdownGrace,
        consumerOverrides, producerOverrides, transactional);
  }
}
