package io.agentmesh.gateway;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.infra.junit.SharedInfra;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Gateways for tests: a free port, the shared infra, and a strict blocked-thread checker. */
final class Gateways {

  private Gateways() {}

  static Gateway start(SharedInfra infra, List<Graph> graphs, AuthConfig auth, Limits limits) {
    return configured(infra, graphs, auth, limits).start();
  }

  /** The gateway of {@link #start}, not started yet: for a test that sets more. */
  static Gateway.Builder configured(SharedInfra infra, List<Graph> graphs, AuthConfig auth, Limits limits) {
    return Gateway.builder()
        .graphs(graphs)
        .kafkaBootstrap(infra.kafkaBootstrap())
        .redisUri(infra.redisUri())
        .registryUrl(infra.registryUrl())
        .host("127.0.0.1")
        .port(0)
        .auth(auth)
        .limits(limits)
        .eventLoops(2)
        // any event-loop task over 500 ms is reported (Vert.x's default is 2 s; 500 ms leaves room for
        // a CPU-bound task descheduled on a 2-core machine shared with other builds, load ~15)
        .vertxOptions(new VertxOptions()
            .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
            .setMaxEventLoopExecuteTime(500).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
            .setWarningExceptionTime(500).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
  }

  static Gateway open(SharedInfra infra, Graph graph) {
    return start(infra, List.of(graph), AuthConfig.none(), Limits.defaults().withRateLimit(0, 1));
  }
}
