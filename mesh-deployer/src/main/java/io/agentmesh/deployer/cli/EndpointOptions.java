package io.agentmesh.deployer.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the broker, Redis and the registry are, for commands that talk to a running mesh. Each
 * comes from its flag, else from {@code .mesh/endpoints.properties} (written by {@code mesh infra}
 * and {@code mesh run}, so a second terminal finds servers that fell back to free ports), else the
 * well-known local address.
 */
final class EndpointOptions {

  static final Path ENDPOINTS_FILE = Path.of(".mesh", "endpoints.properties");

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
  String kafka;

  @Option(names = "--redis", paramLabel = "URI", description = "Redis URI.")
  String redis;

  @Option(names = "--registry", paramLabel = "URL", description = "Schema Registry URL.")
  String registry;

  String kafka() {
    return pick(kafka, "kafka", "localhost:9092");
  }

  String redis() {
    return pick(redis, "redis", "redis://localhost:6379");
  }

  String registry() {
    return pick(registry, "registry", "http://localhost:8081");
  }

  String model() {
    return pick(null, "model", "http://localhost:8000/v1");
  }

  private static String pick(String flag, String name, String wellKnown) {
    if (flag != null && !flag.isBlank()) {
      return flag;
    }
    return recorded().getProperty(name, wellKnown);
  }

  static Properties recorded() {
    Properties props = new Properties();
    if (Files.isReadable(ENDPOINTS_FILE)) {
      try (Reader reader = Files.newBufferedReader(ENDPOINTS_FILE)) {
        props.load(reader);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + ENDPOINTS_FILE.toAbsolutePath() + ": " + e.getMessage(), e);
      }
    }
    return props;
  }

  /** Records where the servers of this machine's embedded default listen. */
  static void record(String kafka, String redis, String registry, String model) {
    Properties props = new Properties();
    props.setProperty("kafka", kafka);
    props.setProperty("redis", redis);
    props.setProperty("registry", registry);
    props.setProperty("model", model);
    try {
      Files.createDirectories(ENDPOINTS_FILE.getParent());
      try (var writer = Files.newBufferedWriter(ENDPOINTS_FILE)) {
        props.store(writer, "written by mesh infra / mesh run; read by the other mesh commands");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + ENDPOINTS_FILE.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  /** Forgets the recorded endpoints (the servers stopped). */
  static void forget() {
    try {
      Files.deleteIfExists(ENDPOINTS_FILE);
    } catch (IOException ignored) {
      // nothing to forget
    }
  }
}
