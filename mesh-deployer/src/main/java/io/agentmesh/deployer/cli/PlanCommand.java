package io.agentmesh.deployer.cli;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanCompiler;
import io.agentmesh.core.plan.PlanPrinter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh plan}: what a graph and a deployment spec compile to, as a table or JSON. */
@Command(name = "plan", description = "Prints the plan (topics, groups, model bindings, processes) a graph and spec compile to.")
final class PlanCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "graph.yaml")
  private Path graphFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOY", description = "deploy.yaml (optional)")
  private Path deployFile;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  private boolean json;

  @Override
  public Integer call() {
    Plan plan = compile(graphFile, deployFile).plan();
    spec.commandLine().getOut().println(json ? PlanPrinter.json(plan) : PlanPrinter.text(plan));
    return 0;
  }

  /** A loaded graph, its spec and their plan. */
  record Compiled(Graph graph, DeploymentSpec spec, Plan plan) {}

  static Compiled compile(Path graphFile, Path deployFile) {
    Graph graph = GraphLoader.load(graphFile);
    DeploymentSpec spec = deployFile == null ? DeploymentSpec.defaults() : GraphLoader.loadSpec(deployFile, graph);
    return new Compiled(graph, spec, PlanCompiler.compile(graph, spec));
  }
}
