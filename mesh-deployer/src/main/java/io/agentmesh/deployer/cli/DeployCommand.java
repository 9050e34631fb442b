package io.agentmesh.deployer.cli;

import io.agentmesh.deployer.gpu.GpuPlanParser;
import io.agentmesh.deployer.gpu.ModelServers;
import io.agentmesh.deployer.gpu.Placement;
import io.agentmesh.deployer.gpu.PlacementReport;
import io.agentmesh.deployer.gpu.PlacementSolver;
import io.agentmesh.deployer.compose.ComposeFile;
import io.agentmesh.deployer.k8s.K8sManifests;
import io.agentmesh.deployer.k8s.K8sOptions;
import io.agentmesh.deployer.k8s.ManifestWriter;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.AclPlanner;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh deploy}: emits what runs a graph on a target. */
@Command(name = "deploy",
    description = "Emits everything that runs the graph on a target: k8s (manifests + kustomization.yaml) or "
        + "compose (docker-compose.yml); local runs it here.")
final class DeployCommand implements Callable<Integer> {

  /** Where a graph is deployed. */
  enum Target { K8S, COMPOSE, LOCAL }

  @Spec
  private CommandSpec spec;

  @Option(names = "--target", required = true, paramLabel = "TARGET", description = "k8s, compose or local.")
  private Target target;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "deploy-out",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  private Path output;

  @Option(names = "--image", paramLabel = "IMAGE", defaultValue = K8sOptions.DEFAULT_IMAGE,
      description = "The mesh image (default ${DEFAULT-VALUE}).")
  private String image;

  @Option(names = "--gpus-per-model", paramLabel = "N", defaultValue = "1",
      description = "compose: GPUs reserved by each model server (default ${DEFAULT-VALUE}).")
  private int gpusPerModel;

  @Parameters(index = "0", paramLabel = "graph.yaml", description = "The graph.")
  private Path graphYaml;

  @Parameters(index = "1", paramLabel = "deploy.yaml", description = "The deployment spec.")
  private Path deployYaml;

  @Option(names = "--input", paramLabel = "JSON|@FILE",
      description = "local: submit this task, print its result and stop (as mesh run --input).")
  private String input;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".mesh/data",
      description = "local: the broker's data directory (default ${DEFAULT-VALUE}).")
  private Path dataDir;

  @Option(names = "--gpu-models", paramLabel = "FILE",
      description = "k8s: model servers to place on GPUs (docs/gpu-placement.md); needs --gpu-inventory.")
  private Path gpuModels;

  @Option(names = "--gpu-inventory", paramLabel = "FILE", description = "k8s: the GPU nodes model servers may use.")
  private Path gpuInventory;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    GraphFiles files = GraphFiles.load(graphYaml, deployYaml);
    switch (target) {
      case K8S -> {
        AclPlan acls = AclPlanner.plan(files.plan());
        acls.warnings().forEach(w -> out.println("warning: " + w));
        List<HasMetadata> modelServers = placeModelServers(out);
        List<HasMetadata> objects = K8sManifests.build(files.plan(), files.graph(), acls, files.graphYaml(),
            files.deployYaml(), K8sOptions.defaults().withImage(image), modelServers);
        List<Path> written = ManifestWriter.write(objects, output);
        out.println("wrote " + written.size() + " files to " + output + " (kubectl apply -k " + output + ")");
      }
      case COMPOSE -> {
        Files.createDirectories(output);
        Files.writeString(output.resolve("docker-compose.yml"),
            ComposeFile.yaml(files.plan(), files.graph(), image, gpusPerModel));
        Files.writeString(output.resolve("graph.yaml"), files.graphYaml());
        Files.writeString(output.resolve("deploy.yaml"), files.deployYaml());
        for (var file : K8sManifests.referencedFiles(files.graph()).entrySet()) { // prompts travel with graph.yaml
          Path target = output.resolve(file.getKey());
          Files.createDirectories(target.getParent());
          Files.writeString(target, file.getValue());
        }
        out.println("wrote docker-compose.yml, graph.yaml and deploy.yaml to " + output
            + " (docker compose -f " + output.resolve("docker-compose.yml") + " up)");
      }
      case LOCAL -> {
        // the embedded default: exactly what `mesh run graph.yaml deploy.yaml` does
        List<String> run = new java.util.ArrayList<>(List.of("run", graphYaml.toString(), deployYaml.toString(),
            "--data-dir", dataDir.toString()));
        if (input != null) {
          run.addAll(List.of("--input", input));
        }
        return spec.root().commandLine().execute(run.toArray(String[]::new));
      }
    }
    return 0;
  }

  /** Solves the GPU placement when asked, prints its report, writes it beside the manifests. */
  private List<HasMetadata> placeModelServers(PrintWriter out) throws IOException {
    if (gpuModels == null && gpuInventory == null) {
      return List.of();
    }
    if (gpuModels == null || gpuInventory == null) {
      throw new ParameterException(spec.commandLine(), "--gpu-models and --gpu-inventory go together");
    }
    Placement placement = new PlacementSolver().solve(GpuPlanParser.parse(gpuModels, gpuInventory));
    out.println(PlacementReport.table(placement));
    Files.createDirectories(output);
    Files.writeString(output.resolve("placement-report.json"), PlacementReport.json(placement));
    return ModelServers.emit(placement);
  }
}
