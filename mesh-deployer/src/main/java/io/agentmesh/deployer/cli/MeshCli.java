package io.agentmesh.deployer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mesh} command line: one entry point, one subcommand per job. */
@Command(name = "mesh",
    mixinStandardHelpOptions = true,
    versionProvider = MeshCli.Version.class,
    description = "AgentMesh: multi-agent LLM applications as distributed systems on Apache Kafka.",
    subcommands = {
        InfraCommand.class, RunCommand.class, AgentCommand.class, GatewayCommand.class, PlanCommand.class, SubmitCommand.class,
        StatusCommand.class, DlqCommand.class, ProfileCommand.class, ReplayCommand.class, DeployCommand.class, TopologyCommand.class, CommandLine.HelpCommand.class})
public final class MeshCli {

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests execute it without exiting the JVM. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new MeshCli());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
      commandLine.getErr().println(commandLine.getColorScheme().errorText("mesh " + commandLine.getCommandName() + ": " + exception.getMessage()));
      return 1;
    });
    return cli;
  }

  /** Prints the version of the mesh from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = MeshCli.class.getPackage().getImplementationVersion();
      return new String[] {"mesh " + (version == null ? "development build" : version)};
    }
  }
}
