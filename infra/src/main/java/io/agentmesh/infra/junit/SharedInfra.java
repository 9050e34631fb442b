package io.agentmesh.infra.junit;

import io.agentmesh.infra.LocalInfra;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.infra.redis.EmbeddedRedis;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;

/**
 * The infrastructure one test JVM shares; see {@link MeshInfraExtension}. JUnit closes it (it is
 * AutoCloseable and lives in the root extension store) after the JVM's last test.
 */
public final class SharedInfra implements AutoCloseable {

  /** System property choosing the broker: {@code embedded} (default) or {@code testcontainers}. */
  public static final String BROKER_PROPERTY = "mesh.broker";

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final LocalInfra local = LocalInfra.create(LocalInfra.Settings.forTests());
  private final String brokerKind;
  private ContainerBroker container;

  private SharedInfra(String brokerKind) {
    this.brokerKind = brokerKind;
  }

  static SharedInfra fromSystemProperties() {
    return of(System.getProperty(BROKER_PROPERTY, "embedded"));
  }

  static SharedInfra of(String brokerKind) {
    String kind = brokerKind.trim().toLowerCase(Locale.ROOT);
    if (!kind.equals("embedded") && !kind.equals("testcontainers")) {
      throw new IllegalArgumentException("-D" + BROKER_PROPERTY + " must be 'embedded' or 'testcontainers', got '" + kind + "'");
    }
    return new SharedInfra(kind);
  }

  /** bootstrap.servers of the shared broker, started on first call. */
  public synchronized String kafkaBootstrap() {
    if (brokerKind.equals("testcontainers")) {
      if (container == null) {
        Assumptions.assumeTrue(ContainerBroker.dockerAvailable(),
            "-Dmesh.broker=testcontainers needs a Docker engine and none is reachable: test skipped");
        container = ContainerBroker.start();
      }
      return container.bootstrapServers();
    }
    return local.kafka().bootstrapServers();
  }

  /** The shared Redis server, started on first call. */
  public EmbeddedRedis redis() {
    return local.redis();
  }

  /** {@code redis://host:port} of the shared Redis. */
  public String redisUri() {
    return local.redis().uri();
  }

  /** The shared model-server simulator; tests add their own models with unique names. */
  public ModelSimulator simulator() {
    return local.simulator();
  }

  /** A name no other test in this JVM gets: for topics, groups, subjects, keys. */
  public String uniqueName(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
  }

  @Override
  public synchronized void close() {
    if (container != null) {
      container.close();
      container = null;
    }
    local.close();
  }
}
