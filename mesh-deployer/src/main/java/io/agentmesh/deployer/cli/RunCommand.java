package io.agentmesh.deployer.cli;

import io.agentmesh.agents.runtime.MeshRuntime;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.plan.ApplyResult;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.plan.PlanApplier;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.gateway.AuthConfig;
import io.agentmesh.gateway.Gateway;
import io.agentmesh.gateway.Limits;
import io.agentmesh.infra.LocalInfra;
import io.agentmesh.infra.Ports;
import io.agentmesh.infra.ShutdownHook;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh run}: the whole graph on this machine. Starts the embedded infrastructure (unless the
 * spec names servers), applies the plan, starts every node's replicas — in this process, or one
 * child process per replica with {@code --processes} — and stays up. With {@code --input} it
 * submits one task, prints the result and exits: the README's main command.
 */
@Command(name = "run", description = "Runs a graph on this machine: infrastructure, topics, every node's replicas.")
final class RunCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "GRAPH", description = "graph.yaml")
  private Path graphFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOY", description = "deploy.yaml (optional)")
  private Path deployFile;

  @Option(names = "--input", paramLabel = "JSON|@FILE", description = "Submit this task, print its result and exit.")
  private String input;

  @Option(names = "--timeout", defaultValue = "PT120S", description = "How long --input waits for the result (default ${DEFAULT-VALUE}).")
  private Duration timeout;

  @Option(names = "--processes", description = "One child process per agent process of the spec and replica, laid out as"
      + " deploy.yaml's processes: co-locate (default: every worker in this process).")
  private boolean processes;

  /** Counted down by Ctrl-C (SIGINT or SIGTERM); the shutdown hook then waits for {@link #closed}. */
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  @Option(names = "--simulator", paramLabel = "FILE",
      description = "Simulator script (default: simulator.yaml beside the graph, when there is one).")
  private Path simulatorScript;

  @Option(names = "--data-dir", defaultValue = ".mesh/data", description = "Broker data directory (default ${DEFAULT-VALUE}).")
  private Path dataDir;

  @Option(names = "--metrics-port", defaultValue = "0", description = "Prometheus /metrics port on loopback (0 = any free port).")
  private int metricsPort;

  @Option(names = "--gateway-port", defaultValue = "8080",
      description = "HTTP gateway port on loopback, no auth (default ${DEFAULT-VALUE} when free, else any); -1: no gateway.")
  private int gatewayPort;

  @Override
  public Integer call() throws Exception {
    try {
      return runUntilStopped();
    } finally {
      closed.countDown(); // everything below is closed: the shutdown hook may let the JVM halt
    }
  }

  private Integer runUntilStopped() throws Exception {
    PlanCommand.Compiled compiled = PlanCommand.compile(graphFile, deployFile);
    Plan plan = compiled.plan();
    PrintWriter out = spec.commandLine().getOut();
    DeploymentSpec.Endpoints declared = compiled.spec().endpoints();
    try (LocalInfra infra = declared.kafkaBootstrap().isPresent() ? null : startInfra();
         MetricsEndpoint metrics = MetricsEndpoint.start(metricsPort)) {
      String kafka = declared.kafkaBootstrap().orElseGet(() -> infra.kafka().bootstrapServers());
      String redis = declared.redisUri().map(Object::toString).orElseGet(() -> required(infra, "redis").redis().uri());
      String registry = declared.registryUrl().map(Object::toString).orElseGet(() -> required(infra, "registry").registry().url());
      String model = infra == null ? "http://localhost:8000/v1" : infra.simulator().baseUrl();
      if (infra != null) {
        EndpointOptions.record(kafka, redis, registry, model);
      }
      applyPlan(kafka, plan, out);
      List<Process> children = new ArrayList<>();
      MeshRuntime runtime = null;
      Gateway gateway = null;
      try {
        if (processes) {
          children = startChildren(plan, kafka, redis, registry, model);
        } else {
          runtime = MeshRuntime.create(compiled.graph(), plan, new MeshRuntime.Endpoints(kafka, redis, registry,
              AgentCommand.modelUrls(model)), metrics.registry())
              .stateDir(dataDir.toAbsolutePath().resolve("streams")) // join state beside the broker's data (kafka/)
              .startAll();
        }
        gateway = startGateway(compiled, kafka, redis, registry);
        printWhereThingsAre(out, compiled, kafka, redis, registry, model, metrics, children.size());
        if (gateway != null) {
          out.println("gateway " + gateway.url() + " (POST /v1/graphs/" + compiled.graph().name() + "/runs?wait=30s)");
          out.flush();
        }
        if (input != null) {
          return submitAndPrint(out, kafka, registry, plan);
        }
        awaitShutdown();
        return 0;
      } finally {
        if (gateway != null) {
          gateway.close();
        }
        stopChildren(children);
        if (runtime != null) {
          runtime.close();
        }
        if (infra != null) {
          EndpointOptions.forget();
        }
      }
    }
  }

  /** The HTTP gateway for this graph, loopback only and without auth: the embedded default's front door. */
  private Gateway startGateway(PlanCommand.Compiled compiled, String kafka, String redis, String registry) {
    if (gatewayPort < 0) {
      return null;
    }
    return Gateway.builder()
        .graphs(List.of(compiled.graph()))
        .topicPrefix(compiled.plan().topicPrefix())
        .kafkaBootstrap(kafka)
        .redisUri(redis)
        .registryUrl(registry)
        .host("127.0.0.1")
        .port(gatewayPort == 0 ? 0 : Ports.preferredOrFree("127.0.0.1", gatewayPort))
        .auth(AuthConfig.none())
        .limits(Limits.defaults())
        .build()
        .start();
  }

  private LocalInfra startInfra() {
    Path script = simulatorScript;
    if (script == null) {
      Path beside = graphFile.toAbsolutePath().getParent().resolve("simulator.yaml");
      script = Files.isRegularFile(beside) ? beside : null;
    }
    return LocalInfra.create(LocalInfra.Settings.wellKnown(dataDir.toAbsolutePath()).withSimulatorScript(script)).startAll();
  }

  private static LocalInfra required(LocalInfra infra, String what) {
    if (infra == null) {
      throw new IllegalArgumentException("deploy.yaml: endpoints names kafka but not " + what
          + ": name all of kafka, redis and registry under endpoints, or none");
    }
    return infra;
  }

  private static void applyPlan(String kafka, Plan plan, PrintWriter out) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      ApplyResult result = new PlanApplier(admin, Duration.ofSeconds(30)).apply(plan);
      for (ApplyResult.TopicOutcome conflict : result.conflicts()) {
        out.println("warning: topic " + conflict.topic() + ": " + conflict.detail());
      }
    }
  }

  /**
   * One {@code mesh agent} child per agent process of the plan and replica: the nodes deploy.yaml's
   * {@code processes:} co-locates share one, every other node has its own, and a process runs as
   * many replicas as the most any of its nodes asks for (as the compose and Kubernetes targets do).
   */
  private List<Process> startChildren(Plan plan, String kafka, String redis, String registry, String model) throws Exception {
    Path logs = logsDir();
    Files.createDirectories(logs);
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<Process> children = new ArrayList<>();
    for (Plan.ProcessPlan process : plan.processes()) {
      int replicas = process.nodes().stream().mapToInt(node -> plan.group(node).replicas()).max().orElse(1);
      for (int i = 0; i < replicas; i++) {
        List<String> command = new ArrayList<>(List.of(java));
        // the same JVM options as this process (heap, --sun-misc-unsafe-memory-access, ...)
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MeshCli.class.getName(), "agent",
            graphFile.toAbsolutePath().toString()));
        if (deployFile != null) {
          command.add(deployFile.toAbsolutePath().toString());
        }
        process.nodes().forEach(node -> command.addAll(List.of("--node", node)));
        command.addAll(List.of("--kafka", kafka, "--redis", redis, "--registry", registry, "--model-url", model));
        Path log = logs.resolve(process.name() + "-" + i + ".log");
        children.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopChildren(List.copyOf(children)), "mesh-run-children"));
    return children;
  }

  private static void stopChildren(List<Process> children) {
    children.forEach(Process::destroy); // SIGTERM: each drains its in-flight work
    for (Process child : children) {
      try {
        if (!child.waitFor(30, TimeUnit.SECONDS)) {
          child.destroyForcibly();
        }
      } catch (InterruptedException e) {
        child.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private void printWhereThingsAre(PrintWriter out, PlanCommand.Compiled compiled, String kafka, String redis, String registry,
                                   String model, MetricsEndpoint metrics, int children) {
    TopicNames topics = TopicNames.of(compiled.plan().topicPrefix(), compiled.graph().name());
    out.println("kafka " + kafka);
    out.println("redis " + redis);
    out.println("registry " + registry);
    out.println("model " + model);
    out.println("metrics " + metrics.url());
    out.println("graph " + compiled.graph().name() + " v" + compiled.graph().version() + ": "
        + compiled.plan().groups().size() + " nodes" + (processes ? ", " + children + " agent processes (logs in " + logsDir() + ")" : ", in this process"));
    out.println("ingress " + topics.ingress());
    out.println("results " + topics.results());
    if (input == null) {
      out.println("# submit a task: ./mesh submit " + compiled.graph().name() + " --input '{...}' --wait");
      out.println("# or with kcat: echo '{...}' | kcat -P -b " + kafka + " -t " + topics.ingress());
      out.println("# Ctrl-C stops everything");
    }
    out.flush();
  }

  private int submitAndPrint(PrintWriter out, String kafka, String registry, Plan plan) throws Exception {
    String text = input.startsWith("@") ? Files.readString(Path.of(input.substring(1))) : input;
    ResultJson.parse(text);
    String runId = UUID.randomUUID().toString();
    out.println("run " + runId);
    out.flush();
    Optional<RunResult> result = SubmitCommand.submit(kafka, registry, TopicNames.of(plan.topicPrefix(), plan.graph()), runId,
        text.getBytes(StandardCharsets.UTF_8), timeout);
    if (result.isEmpty()) {
      spec.commandLine().getErr().println("mesh run: no result for run " + runId + " within " + timeout.toSeconds() + " s");
      return 3;
    }
    out.println(ResultJson.of(result.get()));
    return result.get().getStatus() == RunStatus.SUCCEEDED ? 0 : 4;
  }

  /** The children's logs, in the data directory beside the broker's (.mesh/data/logs by default). */
  private Path logsDir() {
    return dataDir.toAbsolutePath().normalize().resolve("logs");
  }

  /**
   * Waits for Ctrl-C. The JVM halts once its shutdown hooks return, so the hook waits until
   * {@link #call} has closed the gateway, the workers (they finish or release their in-flight work
   * and commit) and the embedded servers; up to a minute, then the JVM halts anyway.
   */
  private void awaitShutdown() throws InterruptedException {
    // the embedded servers' own hooks wait for the same, so they are stopped after the workers
    ShutdownHook.awaitOwnerAtExit(closed, Duration.ofSeconds(60));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopRequested.countDown();
      try {
        closed.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "mesh-run-shutdown"));
    stopRequested.await();
  }
}
