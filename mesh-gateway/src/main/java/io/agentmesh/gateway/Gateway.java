package io.agentmesh.gateway;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.RateBuckets;
import io.agentmesh.core.state.StateConfig;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.serde.WireCodec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's HTTP gateway: submit runs (async or sync), read their status and trace, stream their
 * events, cancel them; with authentication, limits and idempotency. See docs/gateway.md and
 * {@code /openapi.json}.
 *
 * <pre>
 * try (Gateway gateway = Gateway.builder()
 *     .graphs(List.of(graph)).kafkaBootstrap(kafka).redisUri(redis).registryUrl(registry)
 *     .auth(AuthConfig.load(Path.of("auth.yaml"), System.getenv())).port(8080)
 *     .start()) {
 *   System.out.println(gateway.url());
 * }
 * </pre>
 *
 * <p>Lifecycle: built (nothing open) -> started ({@link #start()}: connects Redis, the producer and
 * the results reader, then listens) -> closed. {@link #start()} blocks and must not be called on an
 * event loop; a failed start closes whatever it opened.
 */
public final class Gateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final int MAX_TRACKED_RUNS = 10_000;
  private static final int MAX_EVENTS_PER_RUN = 1_000;
  /** How long a rate check waits for Redis before this instance decides alone (D-017). */
  private static final Duration RATE_CHECK_TIMEOUT = Duration.ofSeconds(1);

  private enum State { BUILT, STARTED, CLOSED }

  private final Builder config;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private State state = State.BUILT;
  private Vertx vertx;
  private int port;
  private final AtomicLong blockedThreadEvents = new AtomicLong();
  private GatewayMetrics metrics;

  private Gateway(Builder config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Connects and starts listening; returns this gateway. Blocks until it listens or fails. */
  public synchronized Gateway start() {
    if (state != State.BUILT) {
      throw new IllegalStateException("a gateway starts once; this one is " + state);
    }
    try {
      open();
      state = State.STARTED;
      LOG.info("gateway listening on {} for graphs {} (auth {})", url(), config.graphs.keySet(), config.auth);
      return this;
    } catch (RuntimeException e) {
      closeOpened();
      state = State.CLOSED;
      throw e;
    }
  }

  private void open() {
    Map<String, GraphEntry> graphs = new LinkedHashMap<>();
    config.graphs.forEach((name, graph) -> graphs.put(name, GraphEntry.of(graph, config.topicPrefix)));
    vertx = Vertx.vertx(config.vertxOptions);
    opened.add(() -> await(vertx.close(), "closing Vert.x"));
    // Vert.x's blocked-thread checker, counted as well as logged, so tests can prove it stays silent
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      blockedThreadEvents.incrementAndGet();
      if (event.duration() >= event.warningExceptionTime()) {
        Exception where = new Exception("where " + event.thread().getName() + " is");
        where.setStackTrace(event.thread().getStackTrace());
        LOG.warn("event loop blocked: {}", event, where);
      } else {
        LOG.warn("event loop blocked: {}", event);
      }
    });
    MeshRedis meshRedis = MeshRedis.connect(config.redisUri, config.stateConfig, Clock.systemUTC());
    opened.add(meshRedis);
    GatewayRedis redis = new GatewayRedis(config.redisUri, meshRedis.keys(), config.stateConfig.ttl());
    opened.add(redis);
    TaskPublisher publisher = new TaskPublisher(config.kafkaBootstrap);
    opened.add(publisher);
    metrics = new GatewayMetrics();
    opened.add(metrics::close);
    ResultWaiters waiters = new ResultWaiters(config.limits.maxSyncWaits());
    EventFeed feed = new EventFeed(MAX_TRACKED_RUNS, config.endedRunsHeld, MAX_EVENTS_PER_RUN);
    List<TopicNames> topics = graphs.values().stream().map(GraphEntry::topics).toList();
    WireCodec codec = WireCodec.forRegistry(config.registryUrl);
    RunBus results = new RunBus(config.kafkaBootstrap, codec, topics, RunBus.Reads.RESULTS, waiters, feed, redis, metrics);
    opened.add(results);
    RunBus events = new RunBus(config.kafkaBootstrap, codec, topics, RunBus.Reads.EVENTS, waiters, feed, redis, metrics);
    opened.add(events);
    results.start();
    events.start();
    Health health = new Health(vertx, config.kafkaBootstrap, redis, () -> results.healthy() && events.healthy());
    opened.add(health);
    AtomicInteger sseStreams = new AtomicInteger();
    metrics.gauges(waiters::waiting, sseStreams::get);
    metrics.warmUp(graphs.keySet(), topics.stream().flatMap(t -> java.util.stream.Stream.of(t.results(), t.events())).toList());
    RateBuckets rateBuckets = RateBuckets.on(meshRedis);
    RateLimiter rateLimiter = new RateLimiter(config.limits, rateBuckets::take, RATE_CHECK_TIMEOUT, System::nanoTime, metrics);
    HttpApi api = new HttpApi(vertx, graphs, new Authenticator(vertx, config.auth), rateLimiter, config.limits,
        meshRedis, redis, publisher, waiters, feed, new EventHistory(config.kafkaBootstrap, codec, metrics), sseStreams, metrics, health,
        openApi());
    api.warmUp();
    // closed first (the list closes in reverse): stop taking requests before Redis and Kafka go
    opened.add(() -> await(vertx.close(), "closing Vert.x"));
    // One deployment of one server per event loop. Vert.x shares one listening socket among the
    // servers of a deployment bound to the same host and port > 0; servers bound to port 0 are never
    // shared. So for port 0 a free port is picked first and every instance binds it; a port taken
    // in between is retried.
    for (int attempt = 1; ; attempt++) {
      int bindPort = config.port == 0 ? freePort(config.host) : config.port;
      try {
        await(vertx.deployVerticle(() -> new HttpVerticle(api, config.host, bindPort),
            new DeploymentOptions().setInstances(config.eventLoops)), "listening on " + config.host + ":" + bindPort);
        port = bindPort;
        return;
      } catch (IllegalStateException e) {
        if (config.port != 0 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getByName(host))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("cannot find a free port on " + host + ": " + e, e);
    }
  }

  private static <T> T await(io.vertx.core.Future<T> future, String what) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + ": no answer within 30 s", e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(what + ": " + e.getMessage(), e);
    }
  }

  private static Buffer openApi() {
    try (InputStream in = Gateway.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the gateway's resources");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read openapi.json: " + e.getMessage(), e);
    }
  }

  /** The port the gateway listens on (the free one chosen when the builder said 0). */
  public int port() {
    if (state != State.STARTED) {
      throw new IllegalStateException("the gateway is " + state + ", not started");
    }
    return port;
  }

  /** How often Vert.x found an event loop or worker blocked past its limit (0 is the goal). */
  long blockedThreadEvents() {
    return blockedThreadEvents.get();
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  /** {@code http://host:port}. */
  public String url() {
    String host = config.host.contains(":") ? "[" + config.host + "]" : config.host;
    return "http://" + ("0.0.0.0".equals(config.host) ? "127.0.0.1" : host) + ":" + port();
  }

  /** Stops listening and closes every connection; waiting sync calls are cut off. */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    closeOpened();
  }

  private void closeOpened() {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        LOG.warn("closing the gateway: {}", e.toString());
      }
    }
    opened.clear();
  }

  /** Configures a gateway; {@link #build()} rejects missing or conflicting settings, naming them. */
  public static final class Builder {
    private final Map<String, Graph> graphs = new LinkedHashMap<>();
    private String kafkaBootstrap;
    private String redisUri;
    private String registryUrl;
    private String topicPrefix = TopicNames.DEFAULT_PREFIX;
    private String host;
    private int port = 8080;
    private AuthConfig auth;
    private Limits limits = Limits.defaults();
    private StateConfig stateConfig = StateConfig.defaults();
    private int eventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());
    private VertxOptions vertxOptions = new VertxOptions();
    private int endedRunsHeld = 1_000;

    private Builder() {}

    /** The graphs served (their topics must exist: deploy them first). */
    public Builder graphs(List<Graph> list) {
      Objects.requireNonNull(list, "graphs");
      list.forEach(g -> {
        if (graphs.putIfAbsent(g.name(), g) != null) {
          throw new IllegalArgumentException("graph '" + g.name() + "' is given twice");
        }
      });
      return this;
    }

    public Builder kafkaBootstrap(String bootstrap) {
      this.kafkaBootstrap = Objects.requireNonNull(bootstrap, "kafkaBootstrap");
      return this;
    }

    public Builder redisUri(String uri) {
      this.redisUri = Objects.requireNonNull(uri, "redisUri");
      return this;
    }

    public Builder registryUrl(String url) {
      this.registryUrl = Objects.requireNonNull(url, "registryUrl");
      return this;
    }

    /** Topic prefix of the graphs (default {@value TopicNames#DEFAULT_PREFIX}). */
    public Builder topicPrefix(String prefix) {
      this.topicPrefix = Objects.requireNonNull(prefix, "topicPrefix");
      return this;
    }

    /** Address to bind; default 0.0.0.0 with auth, 127.0.0.1 without. */
    public Builder host(String bindHost) {
      this.host = Objects.requireNonNull(bindHost, "host");
      return this;
    }

    /** Port to listen on; 0 picks a free one (read it back with {@link Gateway#port()}). Default 8080. */
    public Builder port(int listenPort) {
      if (listenPort < 0 || listenPort > 65_535) {
        throw new IllegalArgumentException("port must be 0-65535, got " + listenPort);
      }
      this.port = listenPort;
      return this;
    }

    /** Required: how callers authenticate ({@link AuthConfig#none()} only on loopback). */
    public Builder auth(AuthConfig authConfig) {
      this.auth = Objects.requireNonNull(authConfig, "auth");
      return this;
    }

    public Builder limits(Limits gatewayLimits) {
      this.limits = Objects.requireNonNull(gatewayLimits, "limits");
      return this;
    }

    /** Redis key prefix and TTL; must match the workers' (default {@link StateConfig#defaults()}). */
    public Builder stateConfig(StateConfig config) {
      this.stateConfig = Objects.requireNonNull(config, "stateConfig");
      return this;
    }

    /** HTTP servers, one per event loop (default: one per core). */
    public Builder eventLoops(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("eventLoops must be at least 1, got " + count);
      }
      this.eventLoops = count;
      return this;
    }

    /**
     * How many ended runs' events stay in memory for event streams (default 1,000, D-021); a stream
     * of a run that ended before them reads its events back from the events topic.
     */
    Builder endedRunsHeld(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("endedRunsHeld must be at least 1, got " + count);
      }
      this.endedRunsHeld = count;
      return this;
    }

    /** Vert.x options (blocked-thread checker thresholds in tests). */
    Builder vertxOptions(VertxOptions options) {
      this.vertxOptions = Objects.requireNonNull(options, "vertxOptions");
      return this;
    }

    public Gateway build() {
      List<String> missing = new ArrayList<>();
      if (graphs.isEmpty()) {
        missing.add("graphs");
      }
      if (kafkaBootstrap == null) {
        missing.add("kafkaBootstrap");
      }
      if (redisUri == null) {
        missing.add("redisUri");
      }
      if (registryUrl == null) {
        missing.add("registryUrl");
      }
      if (auth == null) {
        missing.add("auth (an AuthConfig, or AuthConfig.none() for loopback-only local use)");
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("the gateway needs " + String.join(", ", missing));
      }
      TopicNames.checkPrefix(topicPrefix).ifPresent(problem -> {
        throw new IllegalArgumentException("topicPrefix: " + problem);
      });
      if (host == null) {
        host = auth.enabled() ? "0.0.0.0" : "127.0.0.1";
      }
      if (!auth.enabled() && !isLoopback(host)) {
        throw new IllegalArgumentException("auth none needs a loopback host (127.0.0.1, ::1, localhost), got host '" + host
            + "': configure API keys or JWT to listen on other interfaces");
      }
      return new Gateway(this);
    }

    /** {@link #build()} then {@link Gateway#start()}. */
    public Gateway start() {
      return build().start();
    }

    private static boolean isLoopback(String host) {
      try {
        for (InetAddress address : InetAddress.getAllByName(host)) {
          if (!address.isLoopbackAddress()) {
            return false;
          }
        }
        return true;
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("host '" + host + "' cannot be resolved", e);
      }
    }
  }
}
