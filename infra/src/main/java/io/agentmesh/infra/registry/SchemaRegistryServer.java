package io.agentmesh.infra.registry;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.BindException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Schema Registry speaking Confluent's REST API, storing schemas in a compacted Kafka topic.
 *
 * <p>Lifecycle: NEW -(start)-> RUNNING -(close)-> CLOSED; a failed start closes what it opened.
 * {@link #start()} returns once the server listens and its view has read the whole topic.
 */
public final class SchemaRegistryServer implements AutoCloseable {

  /** Lifecycle states. */
  private enum State { NEW, RUNNING, CLOSED }

  private final Builder settings;
  private State state = State.NEW;
  private Vertx vertx;
  private SchemaLog log;
  private HttpServer server;

  private SchemaRegistryServer(Builder settings) {
    this.settings = settings;
  }

  /** A builder with the defaults: 127.0.0.1, port 8081, topic {@code _schemas}, replication factor 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** Reads the topic and starts listening; fails clearly when Kafka is unreachable or the port is taken. */
  public synchronized SchemaRegistryServer start() {
    if (state != State.NEW) {
      throw new IllegalStateException("Schema Registry already " + state.name().toLowerCase());
    }
    state = State.RUNNING;
    try {
      RegistryState view = new RegistryState();
      log = new SchemaLog(settings.kafkaBootstrap, settings.topic, settings.replicationFactor,
          settings.timeout);
      log.start(view::apply);
      vertx = Vertx.vertx();
      RegistryRoutes routes = new RegistryRoutes(new RegistryService(view, log));
      server = vertx.createHttpServer().requestHandler(routes.router(vertx))
          .listen(settings.port, settings.host).toCompletionStage().toCompletableFuture()
          .get(settings.timeout.toMillis(), TimeUnit.MILLISECONDS);
      return this;
    } catch (ExecutionException e) {
      close();
      String why = e.getCause() instanceof BindException ? "the port is taken" : String.valueOf(e.getCause());
      throw new IllegalStateException("Schema Registry cannot listen on " + settings.host + ":"
          + settings.port + ": " + why, e.getCause());
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting the Schema Registry", e);
    } catch (TimeoutException e) {
      close();
      throw new IllegalStateException("Schema Registry did not start listening within " + settings.timeout, e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8081}. */
  public String url() {
    String host = settings.host.contains(":") ? "[" + settings.host + "]" : settings.host;
    return "http://" + host + ":" + port();
  }

  /** The port listened on (the bound one when 0 was asked). */
  public int port() {
    if (server == null) {
      throw new IllegalStateException("Schema Registry is not started");
    }
    return server.actualPort();
  }

  /** Stops listening and reading; idempotent. */
  @Override
  public synchronized void close() {
    state = State.CLOSED;
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // best effort
      }
      vertx = null;
    }
    if (log != null) {
      log.close();
      log = null;
    }
  }

  /** Settings of a {@link SchemaRegistryServer}; validated at {@link #build()}. */
  public static final class Builder {
    private String kafkaBootstrap;
    private String host = "127.0.0.1";
    private int port = 8081;
    private String topic = "_schemas";
    private short replicationFactor = 1;
    private Duration timeout = Duration.ofSeconds(30);

    private Builder() {}

    /** Kafka bootstrap servers holding the schema topic (required). */
    public Builder kafkaBootstrap(String kafkaBootstrap) {
      this.kafkaBootstrap = kafkaBootstrap;
      return this;
    }

    /** Interface to bind; loopback by default. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port to listen on; 0 picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The compacted topic storing schemas; {@code _schemas} by default. */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Replication factor used when the topic is created; 1 by default. */
    public Builder replicationFactor(int replicationFactor) {
      if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
        throw new IllegalArgumentException("replicationFactor must be >= 1, was " + replicationFactor);
      }
      this.replicationFactor = (short) replicationFactor;
      return this;
    }

    /** How long start, writes and read-backs may wait for Kafka; 30 s by default. */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Validates the settings and makes an unstarted server. */
    public SchemaRegistryServer build() {
      if (kafkaBootstrap == null || kafkaBootstrap.isBlank()) {
        throw new IllegalArgumentException("kafkaBootstrap is required, was " + kafkaBootstrap);
      }
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must not be blank, was " + host);
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("topic must not be blank, was " + topic);
      }
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      Builder copy = new Builder();
      copy.kafkaBootstrap = kafkaBootstrap;
      copy.host = host;
      copy.port = port;
      copy.topic = topic;
      copy.replicationFactor = replicationFactor;
      copy.timeout = timeout;
      return new SchemaRegistryServer(copy);
    }
  }
}
