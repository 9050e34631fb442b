package io.agentmesh.deployer.cli;

import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.GraphLoader;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanCompiler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A graph and its deployment spec as read from disk, their text, and the plan compiled from them.
 *
 * @param graph the graph
 * @param spec the spec (the defaults when no deploy.yaml was given)
 * @param plan the compiled plan
 * @param graphYaml the text of graph.yaml
 * @param deployYaml the text of deploy.yaml ("" when none was given)
 */
public record GraphFiles(Graph graph, DeploymentSpec spec, Plan plan, String graphYaml, String deployYaml) {

  /** Loads and compiles {@code graphYaml} with {@code deployYaml} (null for the default spec). */
  public static GraphFiles load(Path graphYaml, Path deployYaml) {
    Graph graph = GraphLoader.load(graphYaml);
    DeploymentSpec spec = deployYaml == null ? DeploymentSpec.defaults() : GraphLoader.loadSpec(deployYaml, graph);
    try {
      return new GraphFiles(graph, spec, PlanCompiler.compile(graph, spec), Files.readString(graphYaml),
          deployYaml == null ? "" : Files.readString(deployYaml));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + e.getMessage(), e);
    }
  }
}
