package io.agentmesh.deployer.cli;

import io.agentmesh.agents.runtime.MeshRuntime;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh agent}: one replica of one node, the unit that is deployed and scaled. A second
 * one started anywhere joins the node's consumer group and takes a share of its partitions.
 */
@Command(name = "agent", description = "Runs one replica of one node of a graph until stopped (SIGTERM/Ctrl-C drains in-flight work).")
final class AgentCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "graph.yaml")
  private Path graphFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOY", description = "deploy.yaml (optional)")
  private Path deployFile;

  @Option(names = "--node", required = true, paramLabel = "NAME",
      description = "The node this replica runs; repeat for nodes co-located in one process.")
  private java.util.List<String> nodes;

  @Option(names = "--replicas", defaultValue = "1", description = "Workers of this node in this process (default ${DEFAULT-VALUE}).")
  private int replicas;

  @Option(names = "--metrics-port", defaultValue = "0", description = "Prometheus /metrics port on loopback (0 = any free port).")
  private int metricsPort;

  @Option(names = "--model-url", paramLabel = "URL",
      description = "Serve models whose baseUrl is the well-known simulator URL from this URL instead.")
  private String modelUrl;

  @Override
  public Integer call() throws InterruptedException {
    PlanCommand.Compiled compiled = PlanCommand.compile(graphFile, deployFile);
    nodes.forEach(compiled.graph()::node); // fails with the graph's own message for an unknown node
    CountDownLatch stopped = new CountDownLatch(1);
    try (MetricsEndpoint metrics = MetricsEndpoint.start(metricsPort);
         MeshRuntime runtime = MeshRuntime.create(compiled.graph(), compiled.plan(), new MeshRuntime.Endpoints(
             endpoints.kafka(), endpoints.redis(), endpoints.registry(), modelUrls(modelUrl == null ? endpoints.model() : modelUrl)),
             metrics.registry())) {
      nodes.forEach(node -> runtime.startNode(node, replicas));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        runtime.close();
        stopped.countDown();
      }, "mesh-agent-shutdown"));
      var out = spec.commandLine().getOut();
      for (String node : nodes) {
        out.println("agent " + compiled.graph().name() + "/" + node + " x" + replicas + " consuming "
            + compiled.plan().group(node).inbound());
      }
      out.println("metrics " + metrics.url());
      out.flush();
      stopped.await();
    }
    return 0;
  }

  /** Points the well-known simulator URL at the one actually serving (identity for every other URL). */
  static UnaryOperator<String> modelUrls(String actualSimulatorUrl) {
    String wellKnown = "http://localhost:8000/v1";
    return url -> {
      String normalised = url.replace("127.0.0.1", "localhost").replaceAll("/+$", "");
      return normalised.equals(wellKnown) ? actualSimulatorUrl : url;
    };
  }
}
