package io.agentmesh.deployer.cli;

import io.agentmesh.infra.LocalInfra;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mesh infra}: starts the embedded default and prints one line per service until Ctrl-C. */
@Command(name = "infra",
    description = "Starts a real Kafka broker (KRaft), a real Redis, a Schema Registry and a model-server "
        + "simulator on loopback, prints one line per service (NAME ADDRESS) and runs until Ctrl-C. "
        + "Each port defaults to the well-known one when it is free, else any free port.")
final class InfraCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (default ${DEFAULT-VALUE}: 9092 if free, else any).")
  private int kafkaPort;

  @Option(names = "--redis-port", paramLabel = "PORT", description = "Redis port (default ${DEFAULT-VALUE}: 6379 if free, else any).")
  private int redisPort;

  @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema Registry port (default ${DEFAULT-VALUE}: 8081 if free, else any).")
  private int registryPort;

  @Option(names = "--model-port", paramLabel = "PORT", description = "Model simulator port (default ${DEFAULT-VALUE}: 8000 if free, else any).")
  private int modelPort;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".mesh/data",
      description = "Where the broker keeps its log across restarts (default ${DEFAULT-VALUE}).")
  private Path dataDir;

  @Option(names = "--simulator", paramLabel = "FILE",
      description = "Model script for the simulator (YAML or JSON, see docs/simulator.md).")
  private Path simulatorScript;

  @Override
  public Integer call() throws InterruptedException {
    LocalInfra.Settings settings = settings();
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    try (LocalInfra infra = LocalInfra.create(settings)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        infra.close();
        stopped.countDown();
      }, "mesh-infra-shutdown"));
      infra.startAll();
      for (String line : InfraLines.of(infra)) {
        out.println(line);
      }
      out.println("# infrastructure is up; Ctrl-C stops it");
      out.flush();
      stopped.await();
    }
    return 0;
  }

  private LocalInfra.Settings settings() {
    try {
      return new LocalInfra.Settings("127.0.0.1", kafkaPort, redisPort, registryPort, modelPort, true,
          dataDir.toAbsolutePath(), simulatorScript);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }
}
