package io.agentmesh.load;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.LocalInfra;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.schemas.serde.WireCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The servers every benchmark shares, all on loopback in this JVM (Redis as a child process): a
 * real broker, Redis, the Schema Registry and the model simulator; and deployments of graphs on them.
 */
final class BenchInfra implements AutoCloseable {

  private final LocalInfra infra;
  private final Admin admin;
  private final WireCodec codec;

  private BenchInfra(LocalInfra infra) {
    this.infra = infra;
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers()));
    this.codec = WireCodec.forRegistry(infra.registry().url());
  }

  /** Starts every server on loopback with free ports. */
  static BenchInfra start() {
    LocalInfra infra = LocalInfra.create(LocalInfra.Settings.forTests()).startAll();
    try {
      return new BenchInfra(infra);
    } catch (RuntimeException e) {
      infra.close();
      throw e;
    }
  }

  String bootstrap() {
    return infra.kafka().bootstrapServers();
  }

  String redisUri() {
    return infra.redis().uri();
  }

  Admin admin() {
    return admin;
  }

  WireCodec codec() {
    return codec;
  }

  ModelSimulator simulator() {
    return infra.simulator();
  }

  /** Compiles a graph and spec, creates their topics and starts every node in this process. */
  Deployment deploy(String graphYaml, String specYaml) {
    Graph graph = GraphLoader.parse(graphYaml, "bench.yaml", Path.of("."));
    DeploymentSpec spec = GraphLoader.parseSpec(specYaml, "bench-deploy.yaml", graph);
    Plan plan = io.agentmesh.core.plan.PlanCompiler.compile(graph, spec);
    new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
    MeterRegistry meters = new SimpleMeterRegistry();
    MeshRuntime runtime = MeshRuntime.create(graph, plan,
        new MeshRuntime.Endpoints(bootstrap(), infra.redis().uri(), infra.registry().url(), url -> url), meters).startAll();
    return new Deployment(graph, TopicNames.of(plan.topicPrefix(), graph.name()), runtime, meters);
  }

  /** A timer's total time and count at one moment. */
  record Timed(double seconds, long count) {

    /** Mean milliseconds of what was timed since {@code earlier}; 0 when nothing was. */
    double meanMillisSince(Timed earlier) {
      long n = count - earlier.count;
      return n == 0 ? 0 : (seconds - earlier.seconds) * 1000 / n;
    }
  }

  /** One graph running on the benchmark's servers. */
  record Deployment(Graph graph, TopicNames topics, MeshRuntime runtime, MeterRegistry meters) implements AutoCloseable {

    /** The node's {@code mesh.in.flight} gauge right now. */
    double inFlight(String node) {
      var gauge = meters.find(io.agentmesh.core.metrics.MeshMetric.IN_FLIGHT.metricName())
          .tags("graph", graph.name(), "node", node).gauge();
      return gauge == null ? 0 : gauge.value();
    }

    /** The totals now of a timer of the runtime's catalogue, summed over the graph's meters of that name. */
    Timed timed(io.agentmesh.core.metrics.MeshMetric timer, String... tags) {
      double seconds = 0;
      long count = 0;
      for (var t : meters.find(timer.metricName()).tags("graph", graph.name()).tags(tags).timers()) {
        seconds += t.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9;
        count += t.count();
      }
      return new Timed(seconds, count);
    }

    /** The sum over the graph's nodes of a counter of the runtime's catalogue. */
    double total(io.agentmesh.core.metrics.MeshMetric metric) {
      return meters.find(metric.metricName()).tags("graph", graph.name()).counters().stream()
          .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Override
    public void close() {
      runtime.close();
    }
  }

  @Override
  public void close() {
    try {
      admin.close(Duration.ofSeconds(5));
    } finally {
      infra.close();
    }
  }
}
