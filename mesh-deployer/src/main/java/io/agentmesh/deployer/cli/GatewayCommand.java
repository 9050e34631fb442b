package io.agentmesh.deployer.cli;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.gateway.AuthConfig;
import io.agentmesh.gateway.Gateway;
import io.agentmesh.gateway.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh gateway}: the HTTP gateway for deployed graphs (docs/gateway.md). Runs until
 * stopped; any number may run side by side, each serving sync calls on its own.
 */
@Command(name = "gateway", description = "Serves deployed graphs over HTTP (async and sync runs, status, events, cancel) until stopped.")
final class GatewayCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Parameters(arity = "1..*", paramLabel = "GRAPH", description = "graph.yaml of each graph to serve (deployed already).")
  private List<Path> graphFiles;

  @Option(names = "--port", defaultValue = "8080", description = "Port (0 = any free port; default ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--host", paramLabel = "ADDRESS",
      description = "Address to bind (default 0.0.0.0 with auth; 127.0.0.1, the only one allowed, with --auth none).")
  private String host;

  @Option(names = "--auth", required = true, paramLabel = "none|FILE",
      description = "'none' (local use, loopback only) or an auth file (YAML: apiKeys with SHA-256 hashes, jwt HS256/RS256).")
  private String auth;

  @Option(names = "--prefix", defaultValue = TopicNames.DEFAULT_PREFIX, description = "Topic prefix (default ${DEFAULT-VALUE}).")
  private String prefix;

  @Option(names = "--max-body", defaultValue = "1048576", paramLabel = "BYTES", description = "Largest request body (default ${DEFAULT-VALUE}).")
  private long maxBody;

  @Option(names = "--rate", defaultValue = "50", paramLabel = "PER_SECOND", description = "Requests/s per caller, 0 = off (default ${DEFAULT-VALUE}).")
  private double rate;

  @Option(names = "--burst", defaultValue = "100", description = "Requests a caller may make at once (default ${DEFAULT-VALUE}).")
  private int burst;

  @Option(names = "--max-sync-waits", defaultValue = "1000", description = "Sync calls waiting at once (default ${DEFAULT-VALUE}).")
  private int maxSyncWaits;

  @Option(names = "--max-streams", defaultValue = "1000", description = "Open event streams (default ${DEFAULT-VALUE}).")
  private int maxStreams;

  @Option(names = "--max-wait", defaultValue = "PT5M", paramLabel = "DURATION", description = "Longest sync wait (ISO-8601, default ${DEFAULT-VALUE}).")
  private Duration maxWait;

  @Override
  public Integer call() throws InterruptedException {
    List<Graph> graphs = graphFiles.stream().map(GraphLoader::load).toList();
    Limits limits;
    try {
      limits = Limits.defaults().withMaxBodyBytes(maxBody).withRateLimit(rate, burst).withMaxSyncWaits(maxSyncWaits)
          .withMaxSseStreams(maxStreams).withMaxWait(maxWait);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Gateway.Builder builder = Gateway.builder()
        .graphs(graphs)
        .kafkaBootstrap(endpoints.kafka())
        .redisUri(endpoints.redis())
        .registryUrl(endpoints.registry())
        .topicPrefix(prefix)
        .port(port)
        .auth(authConfig())
        .limits(limits);
    if (host != null) {
      builder.host(host);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    try (Gateway gateway = builder.start()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        gateway.close();
        stopped.countDown();
      }, "mesh-gateway-shutdown"));
      var out = spec.commandLine().getOut();
      out.println("gateway " + gateway.url() + " serving " + graphs.stream().map(Graph::name).toList()
          + " (OpenAPI at " + gateway.url() + "/openapi.json)");
      out.flush();
      stopped.await();
    }
    return 0;
  }

  private AuthConfig authConfig() {
    if ("none".equals(auth)) {
      return AuthConfig.none();
    }
    try {
      return AuthConfig.load(Path.of(auth), System.getenv());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--auth: " + e.getMessage());
    }
  }
}
