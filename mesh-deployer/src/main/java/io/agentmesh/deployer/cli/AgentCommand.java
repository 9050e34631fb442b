package io.agentmesh.deployer.cli;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.plan.Plan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh agent}: one replica of one node, the unit that is deployed and scaled. A second
 * one started anywhere joins the node's consumer group and takes a share of its partitions. A
 * sub-graph's node is named {@code <sub-graph>.<node>} (as in deploy.yaml) and runs from the child
 * plan inside the graph's plan; a {@code graph} node's replica never runs its child's nodes.
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
      description = "The node this replica runs (<sub-graph>.<node> for a sub-graph's); repeat for nodes co-located in one process.")
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
    Map<String, List<String>> byGraph = new LinkedHashMap<>();
    for (String node : nodes) {
      Owner owner = owner(compiled, node); // fails with the graph's own message for an unknown node
      byGraph.computeIfAbsent(owner.graph().name(), k -> new ArrayList<>()).add(owner.node());
    }
    MeshRuntime.Endpoints where = new MeshRuntime.Endpoints(endpoints.kafka(), endpoints.redis(), endpoints.registry(),
        modelUrls(modelUrl == null ? endpoints.model() : modelUrl));
    CountDownLatch stopped = new CountDownLatch(1);
    List<MeshRuntime> runtimes = new ArrayList<>();
    try (MetricsEndpoint metrics = MetricsEndpoint.start(metricsPort)) {
      var out = spec.commandLine().getOut();
      byGraph.forEach((graphName, graphNodes) -> {
        Graph graph = graphName.equals(compiled.graph().name()) ? compiled.graph() : compiled.graph().subGraphs().get(graphName);
        Plan plan = compiled.plan().allPlans().stream().filter(p -> p.graph().equals(graphName)).findFirst().orElseThrow();
        MeshRuntime runtime = MeshRuntime.create(graph, plan, where, metrics.registry());
        runtimes.add(runtime);
        for (String node : graphNodes) {
          runtime.startNode(node, replicas);
          out.println("agent " + graphName + "/" + node + " x" + replicas + " consuming " + plan.group(node).inbound());
        }
      });
      AtomicBoolean closed = new AtomicBoolean();
      Runnable closeAll = () -> {
        if (closed.compareAndSet(false, true)) {
          runtimes.forEach(MeshRuntime::close);
        }
      };
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        closeAll.run();
        stopped.countDown();
      }, "mesh-agent-shutdown"));
      out.println("metrics " + metrics.url());
      out.flush();
      while (!stopped.await(1, TimeUnit.SECONDS)) {
        List<MeshRuntime.FailedReplica> failed = runtimes.stream().flatMap(r -> r.failedReplicas().stream()).toList();
        if (!failed.isEmpty()) {
          // the runtime gave up replacing these replicas in-process (D-016): exit non-zero, so the
          // process supervisor (Kubernetes) starts a fresh process instead of leaving a stalled one
          var err = spec.commandLine().getErr();
          failed.forEach(f -> err.printf("mesh agent: replica %s of %s/%s failed %d times within %s and is not restarted: %s%n",
              f.replica(), f.graph(), f.node(), f.failures(), f.window(), f.lastFailure()));
          err.flush();
          closeAll.run();
          return 1;
        }
      }
    }
    return 0;
  }

  /** A node and the graph it belongs to. */
  private record Owner(Graph graph, String node) {}

  /** The graph that runs {@code node}: the compiled graph, or the sub-graph a qualified name names. */
  private static Owner owner(PlanCommand.Compiled compiled, String node) {
    int dot = node.indexOf(DeploymentSpec.SUB_GRAPH_SEPARATOR);
    Graph graph = compiled.graph();
    if (dot >= 0) {
      graph = compiled.graph().subGraphs().get(node.substring(0, dot));
      if (graph == null) {
        throw new IllegalArgumentException("node '" + node + "': '" + node.substring(0, dot) + "' is not a sub-graph of graph '"
            + compiled.graph().name() + "' (its sub-graphs: " + String.join(", ", compiled.graph().subGraphs().keySet()) + ")");
      }
    }
    String name = node.substring(dot + 1);
    graph.node(name);
    return new Owner(graph, name);
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
