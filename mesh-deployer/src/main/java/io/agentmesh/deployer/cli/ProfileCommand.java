package io.agentmesh.deployer.cli;

import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.deployer.replay.Profile;
import io.agentmesh.deployer.replay.Profiler;
import io.agentmesh.deployer.replay.Progress;
import io.agentmesh.deployer.replay.Recommendation;
import io.agentmesh.deployer.replay.Recording;
import io.agentmesh.deployer.replay.Reports;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh profile}: reads a graph's topics, reports per node/edge/run, and recommends a deployment. */
@Command(name = "profile", description = "Profiles a deployment from what crossed its topics (own consumer, no group), "
    + "and recommends replicas, partitions and co-location for a target rate as a deploy.yaml patch.")
final class ProfileCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Mixin
  private RangeOptions range;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "graph.yaml of the deployment profiled")
  private Path graphFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOY", description = "its deploy.yaml (prefix, replicas, maxInFlight)")
  private Path deployFile;

  @Option(names = "--target-rate", paramLabel = "RUNS_PER_S", description = "Recommend a deployment for this arrival rate.")
  private Double targetRate;

  @Option(names = "--headroom", defaultValue = "1.5", description = "Factor over the mean in-flight need (default ${DEFAULT-VALUE}).")
  private double headroom;

  @Option(names = "--colocate-share", defaultValue = "0.25",
      description = "Co-locate two adjacent nodes when the edge's transit is at least this share of the next node's time (default ${DEFAULT-VALUE}).")
  private double colocateShare;

  @Option(names = "--slowest", defaultValue = "10", description = "Slowest runs to show with their critical paths (default ${DEFAULT-VALUE}).")
  private int slowest;

  @Option(names = "--json", description = "Print JSON instead of tables.")
  private boolean json;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report with charts.")
  private Path html;

  @Option(names = "--patch", paramLabel = "FILE", description = "Also write the recommendation as a deploy.yaml patch (needs --target-rate).")
  private Path patch;

  @Override
  public Integer call() throws Exception {
    PlanCommand.Compiled compiled = PlanCommand.compile(graphFile, deployFile);
    String graph = compiled.graph().name();
    Recording recording = Recording.read(endpoints.kafka(), endpoints.registry(),
        TopicNames.of(compiled.plan().topicPrefix(), graph), graph, range.range(), Progress.onStderr(range.progress));
    Profile profile = Profiler.profile(recording, slowest);
    Recommendation advice = targetRate == null ? null
        : Recommendation.of(profile, compiled.plan(), targetRate, headroom, colocateShare);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? Reports.json(profile, advice) + System.lineSeparator() : Reports.text(profile, advice));
    if (html != null) {
      Files.writeString(html, Reports.html(profile, advice));
      spec.commandLine().getErr().println("wrote " + html.toAbsolutePath());
    }
    if (patch != null) {
      if (advice == null) {
        throw new IllegalArgumentException("--patch needs --target-rate (the rate to size the deployment for)");
      }
      Files.writeString(patch, advice.toDeployYaml());
      spec.commandLine().getErr().println("wrote " + patch.toAbsolutePath() + " (merge into deploy.yaml, then redeploy)");
    }
    out.flush();
    return 0;
  }
}
