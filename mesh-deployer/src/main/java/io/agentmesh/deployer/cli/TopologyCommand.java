package io.agentmesh.deployer.cli;

import io.agentmesh.core.plan.ApplyResult;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.AclPlanner;
import io.agentmesh.deployer.topology.TopologyApplier;
import io.agentmesh.deployer.topology.TopologyDiff;
import io.agentmesh.deployer.topology.TopologyResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh topology}: the broker side of a graph (topics and ACLs) without Strimzi. */
@Command(name = "topology",
    description = "Manages a graph's topics and least-privilege ACLs on a Kafka cluster with the AdminClient.",
    subcommands = {TopologyCommand.Apply.class})
final class TopologyCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** {@code mesh topology apply}: creates and grows topics, adds and removes the mesh's ACLs. */
  @Command(name = "apply",
      description = "Makes the cluster's topics and the mesh principals' ACLs match the graph; idempotent. "
          + "Other principals' ACLs are never touched.")
  static final class Apply implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true, description = "Kafka bootstrap servers.")
    private String bootstrap;

    @Option(names = "--dry-run", description = "Print the changes and change nothing.")
    private boolean dryRun;

    @Option(names = "--no-acls", description = "Topics only, for a cluster without an authorizer.")
    private boolean noAcls;

    @Option(names = "--command-config", paramLabel = "FILE",
        description = "Client properties (security.protocol, sasl.mechanism, sasl.jaas.config, ...) of an admin "
            + "allowed to alter ACLs.")
    private Path commandConfig;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT30S",
        description = "Time per broker request, ISO-8601 (default ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Parameters(index = "0", paramLabel = "graph.yaml", description = "The graph.")
    private Path graphYaml;

    @Parameters(index = "1", paramLabel = "deploy.yaml", arity = "0..1", description = "The deployment spec.")
    private Path deployYaml;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Plan plan = GraphFiles.load(graphYaml, deployYaml).plan();
      AclPlan acls = noAcls ? new AclPlan(java.util.List.of(), java.util.Map.of(), java.util.List.of()) : AclPlanner.plan(plan);
      acls.warnings().forEach(w -> out.println("warning: " + w));
      try (Admin admin = Admin.create(clientProperties())) {
        TopologyApplier applier = new TopologyApplier(admin, timeout);
        if (dryRun) {
          TopologyDiff diff = applier.diff(plan, acls);
          diff.lines().forEach(out::println);
          out.println(diff.isEmpty() ? "# no changes" : "# " + diff.lines().size() + " changes (dry run, nothing applied)");
          return 0;
        }
        TopologyResult result = applier.apply(plan, acls);
        result.changes().lines().forEach(out::println);
        for (ApplyResult.TopicOutcome conflict : result.topics().conflicts()) {
          out.println("! topic " + conflict.topic() + ": " + conflict.detail());
        }
        out.println(result.changes().isEmpty() ? "# no changes" : "# applied " + result.changes().lines().size() + " changes");
        return result.topics().hasConflicts() ? 2 : 0;
      }
    }

    private Properties clientProperties() throws IOException {
      Properties props = new Properties();
      if (commandConfig != null) {
        try (InputStream in = Files.newInputStream(commandConfig)) {
          props.load(in);
        }
      }
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      return props;
    }
  }
}
