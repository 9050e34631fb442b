package io.agentmesh.infra.kafka;

import io.agentmesh.infra.InfraException;
import io.agentmesh.infra.Ports;
import io.agentmesh.infra.ShutdownHook;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in KRaft combined mode (broker + controller, one node), running in
 * this JVM.
 *
 * <p>Why in-process: it starts in about three seconds, shares the JVM's heap instead of costing a
 * second one, and needs nothing but Maven Central artefacts (docs/infra.md). The log directory is
 * formatted on first use (when {@code meta.properties} is missing) and kept across restarts when
 * the caller chose it; a temporary one is deleted on close. Broker threads are not daemons, so
 * {@link #close()} runs from a shutdown hook too (Ctrl-C, normal exit).
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final int BIND_ATTEMPTS = 3;

  private final String host;
  private final int requestedPort;
  private final Path requestedDataDir;
  private final Map<String, String> overrides;
  private final Duration startTimeout;
  private final Map<String, String> saslUsers;
  private final String saslAdmin;

  private KafkaRaftServer server;
  private Path dataDir;
  private boolean temporaryDir;
  private int port;
  private ShutdownHook shutdownHook;

  private EmbeddedKafka(Builder builder) {
    this.host = builder.host;
    this.requestedPort = builder.port;
    this.requestedDataDir = builder.dataDir;
    this.overrides = Map.copyOf(builder.overrides);
    this.startTimeout = builder.startTimeout;
    this.saslUsers = Map.copyOf(builder.saslUsers);
    this.saslAdmin = builder.saslAdmin;
  }

  /** A builder with loopback, any free port and a temporary log directory. */
  public static Builder builder() {
    return new Builder();
  }

  /** Formats the log directory if needed, starts the broker and waits until it answers. */
  public synchronized EmbeddedKafka start() {
    if (server != null) {
      throw new IllegalStateException("kafka: already started on " + bootstrapServers());
    }
    long began = System.nanoTime();
    prepareDataDir();
    InfraException last = null;
    int attempts = requestedPort == 0 ? BIND_ATTEMPTS : 1;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      int brokerPort = requestedPort == 0 ? Ports.anyFree(host) : requestedPort;
      int controllerPort = Ports.anyFree(host);
      try {
        startOnce(brokerPort, controllerPort);
        LOG.info("kafka: ready on {} in {} ms (log dir {})", bootstrapServers(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), dataDir);
        return this;
      } catch (InfraException e) {
        last = e;
        LOG.warn("kafka: start attempt {} of {} failed: {}", attempt, attempts, e.getMessage());
      }
    }
    deleteTemporaryDir();
    throw last;
  }

  private void startOnce(int brokerPort, int controllerPort) {
    if (!Ports.isFree(host, brokerPort)) {
      throw new InfraException("kafka: port " + brokerPort + " on " + host
          + " is already in use; choose another port or 0 for any free port");
    }
    Properties props = brokerProperties(brokerPort, controllerPort);
    KafkaRaftServer candidate;
    try {
      candidate = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      candidate.startup();
    } catch (RuntimeException e) {
      throw new InfraException("kafka: broker failed to start on " + host + ":" + brokerPort
          + " (log dir " + dataDir + "): " + e.getMessage(), e);
    }
    this.server = candidate;
    this.port = brokerPort;
    try {
      awaitReady();
    } catch (InfraException e) {
      stopServer();
      throw e;
    }
    shutdownHook = ShutdownHook.register("embedded-kafka-shutdown", this::closeFromHook);
  }

  private Properties brokerProperties(int brokerPort, int controllerPort) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", Integer.toString(NODE_ID));
    config.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
    String client = saslUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
    config.put("listeners", client + "://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
    config.put("advertised.listeners", client + "://" + host + ":" + brokerPort);
    config.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
    config.put("controller.listener.names", "CONTROLLER");
    config.put("inter.broker.listener.name", client);
    if (!saslUsers.isEmpty()) {
      // SASL/PLAIN on the client listener only; the controller listener stays PLAINTEXT.
      StringBuilder jaas = new StringBuilder(plainLogin(saslAdmin, saslUsers.get(saslAdmin)));
      jaas.setLength(jaas.length() - 1);
      saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
      config.put("sasl.enabled.mechanisms", "PLAIN");
      config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
      config.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
    }
    config.put("log.dirs", dataDir.toString());
    // A single broker: internal topics must not ask for more replicas than exist (FACTS.md, pitfall 1).
    config.put("offsets.topic.replication.factor", "1");
    config.put("offsets.topic.num.partitions", "5");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("transaction.state.log.num.partitions", "5");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    // Local replicas come and go in seconds (tests, `mesh agent` restarts): detect a dead one in
    // 10 s instead of 45 s, and heartbeat every second so a rebalance settles quickly.
    config.put("group.consumer.min.session.timeout.ms", "6000");
    config.put("group.consumer.session.timeout.ms", "10000");
    config.put("group.consumer.min.heartbeat.interval.ms", "500");
    config.put("group.consumer.heartbeat.interval.ms", "1000");
    config.put("auto.create.topics.enable", "false");
    config.put("num.partitions", "1");
    config.put("default.replication.factor", "1");
    config.put("min.insync.replicas", "1");
    // Small footprint on a 2-core machine; the cleaner's default 128 MB buffer is heap we do not need.
    config.put("log.cleaner.dedupe.buffer.size", "2097152");
    config.put("num.network.threads", "2");
    config.put("num.io.threads", "4");
    config.put("num.recovery.threads.per.data.dir", "1");
    config.put("background.threads", "4");
    config.putAll(overrides);
    Properties props = new Properties();
    props.putAll(config);
    return props;
  }

  private void prepareDataDir() {
    try {
      if (requestedDataDir == null) {
        dataDir = Files.createTempDirectory("agentmesh-kafka-");
        temporaryDir = true;
      } else {
        dataDir = Files.createDirectories(requestedDataDir).toAbsolutePath();
        temporaryDir = false;
      }
    } catch (IOException e) {
      throw new InfraException("kafka: cannot create log directory " + requestedDataDir + ": " + e.getMessage(), e);
    }
    if (Files.exists(dataDir.resolve("meta.properties"))) {
      return;
    }
    try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
      new Formatter()
          .setPrintStream(quiet)
          .setClusterId(Uuid.randomUuid().toString())
          .setNodeId(NODE_ID)
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setUnstableFeatureVersionsEnabled(false)
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(dataDir.toString())
          .addDirectory(dataDir.toString())
          .run();
    } catch (Exception e) {
      throw new InfraException("kafka: cannot format log directory " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private void awaitReady() {
    Map<String, Object> adminConfig = new java.util.HashMap<>(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    if (!saslUsers.isEmpty()) {
      adminConfig.putAll(clientSecurity(saslAdmin));
    }
    long deadline = System.nanoTime() + startTimeout.toNanos();
    Exception last = null;
    try (Admin admin = Admin.create(adminConfig)) {
      while (System.nanoTime() < deadline) {
        try {
          if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
      }
    }
    throw new InfraException("kafka: broker on " + bootstrapServers() + " did not answer within "
        + startTimeout.toSeconds() + " s" + (last == null ? "" : ": " + last.getMessage()), last);
  }

  /** host:port for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return host + ":" + port;
  }

  /**
   * Client settings that authenticate as {@code user} on the client listener: empty for a
   * PLAINTEXT broker; SASL_PLAINTEXT with PLAIN and the user's password when SASL users are set.
   */
  public Map<String, Object> clientSecurity(String user) {
    if (saslUsers.isEmpty()) {
      return Map.of();
    }
    String password = saslUsers.get(user);
    if (password == null) {
      throw new IllegalArgumentException("kafka: no SASL user '" + user + "'; users are " + saslUsers.keySet());
    }
    return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", plainLogin(user, password));
  }

  private static String plainLogin(String user, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
        + "\" password=\"" + password + "\";";
  }

  /** The broker's listening port. */
  public int port() {
    return port;
  }

  /** The log directory in use. */
  public Path dataDir() {
    return dataDir;
  }

  /** True between a successful {@link #start()} and {@link #close()}. */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Stops the broker and waits for its threads; deletes the log directory if it was temporary. */
  @Override
  public synchronized void close() {
    if (shutdownHook != null) {
      shutdownHook.cancel();
      shutdownHook = null;
    }
    stopServer();
    deleteTemporaryDir();
  }

  private synchronized void closeFromHook() {
    shutdownHook = null;
    stopServer();
    deleteTemporaryDir();
  }

  private void stopServer() {
    if (server == null) {
      return;
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("kafka: error while shutting down: {}", e.toString());
    } finally {
      server = null;
    }
  }

  private void deleteTemporaryDir() {
    if (!temporaryDir || dataDir == null || !Files.exists(dataDir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      LOG.warn("kafka: could not delete temporary log directory {}: {}", dataDir, e.toString());
    }
  }

  /** Settings for an {@link EmbeddedKafka}; checked as they are set. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private Path dataDir;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Duration startTimeout = Duration.ofSeconds(60);
    private final Map<String, String> saslUsers = new LinkedHashMap<>();
    private String saslAdmin;

    private Builder() {}

    /**
     * Makes the client listener SASL_PLAINTEXT with the PLAIN mechanism and these users (name to
     * password); {@code admin} must be one of them and is used between broker and itself and to
     * check readiness. Authorization is not switched on here: set the authorizer with
     * {@link #brokerProperty}. The controller listener stays PLAINTEXT.
     */
    public Builder saslPlain(Map<String, String> users, String admin) {
      Objects.requireNonNull(users, "kafka: SASL users");
      if (!users.containsKey(Objects.requireNonNull(admin, "kafka: SASL admin"))) {
        throw new IllegalArgumentException("kafka: SASL admin '" + admin + "' is not among the users " + users.keySet());
      }
      users.forEach((user, password) -> {
        if (user.isEmpty() || user.contains("\"") || password.contains("\"") || user.contains(" ")) {
          throw new IllegalArgumentException("kafka: SASL user '" + user + "' or its password holds a quote or space");
        }
      });
      saslUsers.clear();
      saslUsers.putAll(users);
      saslAdmin = admin;
      return this;
    }

    /** The address to bind and advertise; loopback by default. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "kafka: host");
      return this;
    }

    /** The client port; 0 (default) picks any free port. */
    public Builder port(int port) {
      this.port = Ports.requireValid("kafka", port);
      return this;
    }

    /** A log directory kept across restarts; null (default) uses a temporary one. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Any broker setting, applied last. */
    public Builder brokerProperty(String name, String value) {
      overrides.put(Objects.requireNonNull(name, "kafka: property name"), Objects.requireNonNull(value, name));
      return this;
    }

    /** How long {@link EmbeddedKafka#start()} waits for the broker to answer. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = ShutdownHook.requirePositive("kafka", "startTimeout", timeout);
      return this;
    }

    public EmbeddedKafka build() {
      return new EmbeddedKafka(this);
    }
  }
}
