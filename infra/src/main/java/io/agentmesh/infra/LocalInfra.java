package io.agentmesh.infra;

import io.agentmesh.infra.kafka.EmbeddedKafka;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.infra.redis.EmbeddedRedis;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real Kafka broker, a real Redis, a Schema Registry and a model-server
 * simulator on this machine, each started on first use and stopped in reverse order on close.
 *
 * <p>{@code mesh infra} and {@code mesh run} start all four with well-known preferred ports
 * (falling back to a free port when one is taken); tests share one instance per JVM through
 * {@link io.agentmesh.infra.junit.MeshInfraExtension} with free ports.
 */
public final class LocalInfra implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

  /** Well-known ports that {@code mesh infra} prefers. */
  public static final int KAFKA_PORT = 9092;
  public static final int REDIS_PORT = 6379;
  public static final int REGISTRY_PORT = 8081;
  public static final int MODEL_PORT = 8000;

  private final Settings settings;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private EmbeddedKafka kafka;
  private EmbeddedRedis redis;
  private ModelSimulator simulator;

  private LocalInfra(Settings settings) {
    this.settings = settings;
  }

  /** Infrastructure with the given settings; nothing starts until asked for. */
  public static LocalInfra create(Settings settings) {
    return new LocalInfra(Objects.requireNonNull(settings, "settings"));
  }

  /** Starts every service not yet running. */
  public LocalInfra startAll() {
    kafka();
    redis();
    simulator();
    return this;
  }

  /** The broker, started on first call. */
  public synchronized EmbeddedKafka kafka() {
    if (kafka == null) {
      kafka = track(EmbeddedKafka.builder()
          .host(settings.host())
          .port(pick(settings.kafkaPort(), KAFKA_PORT))
          .dataDir(settings.dataDir() == null ? null : settings.dataDir().resolve("kafka"))
          .build()
          .start());
    }
    return kafka;
  }

  /** The Redis server, started on first call. */
  public synchronized EmbeddedRedis redis() {
    if (redis == null) {
      redis = track(EmbeddedRedis.builder()
          .host(settings.host())
          .port(pick(settings.redisPort(), REDIS_PORT))
          .build()
          .start());
    }
    return redis;
  }

  /** The model-server simulator, started on first call (with the settings' script, if any). */
  public synchronized ModelSimulator simulator() {
    if (simulator == null) {
      ModelSimulator.Builder builder = ModelSimulator.builder()
          .host(settings.host())
          .port(pick(settings.modelPort(), MODEL_PORT));
      if (settings.simulatorScript() != null) {
        builder.configFile(settings.simulatorScript());
      }
      simulator = track(builder.build().start());
    }
    return simulator;
  }

  private int pick(int requested, int wellKnown) {
    if (requested > 0) {
      return requested;
    }
    return settings.preferWellKnownPorts() ? Ports.preferredOrFree(settings.host(), wellKnown) : 0;
  }

  private <T extends AutoCloseable> T track(T service) {
    started.push(service);
    return service;
  }

  /** Stops what was started, last first; every service is stopped even if one fails. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable service = started.pop();
      try {
        service.close();
      } catch (Exception e) {
        LOG.warn("infra: error while stopping {}: {}", service.getClass().getSimpleName(), e.toString());
      }
    }
    kafka = null;
    redis = null;
    simulator = null;
  }

  /**
   * Where and how to start the services.
   *
   * @param host the loopback address every service binds to
   * @param kafkaPort 0 for automatic, else exact (a taken port is an error)
   * @param redisPort likewise
   * @param registryPort likewise
   * @param modelPort likewise
   * @param preferWellKnownPorts automatic means the well-known port when free, else any free port
   * @param dataDir where the broker keeps its log (in {@code kafka/}); null for a temporary one
   * @param simulatorScript the simulator's model script (YAML/JSON); null for the default model only
   */
  public record Settings(String host, int kafkaPort, int redisPort, int registryPort, int modelPort,
                         boolean preferWellKnownPorts, Path dataDir, Path simulatorScript) {

    public Settings {
      Objects.requireNonNull(host, "host");
      Ports.requireValid("kafka", kafkaPort);
      Ports.requireValid("redis", redisPort);
      Ports.requireValid("registry", registryPort);
      Ports.requireValid("model", modelPort);
    }

    /** Loopback, free ports, temporary data: what tests use. */
    public static Settings forTests() {
      return new Settings("127.0.0.1", 0, 0, 0, 0, false, null, null);
    }

    /** Loopback, well-known ports when free, data kept in the given directory. */
    public static Settings wellKnown(Path dataDir) {
      return new Settings("127.0.0.1", 0, 0, 0, 0, true, dataDir, null);
    }

    /** The same settings with a simulator script. */
    public Settings withSimulatorScript(Path script) {
      return new Settings(host, kafkaPort, redisPort, registryPort, modelPort, preferWellKnownPorts, dataDir, script);
    }
  }
}
