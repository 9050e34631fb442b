package io.agentmesh.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The benchmark harness: starts the embedded servers on loopback, runs the chosen benchmarks of
 * issue #3 in order, prints a table with the targets and writes a JSON report. Not a test: run it
 * with the {@code bench} Maven profile (BENCHMARKS.md).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "AgentMesh benchmarks: raw Kafka reference, hop overhead, in flight, direct vs mesh.")
public final class BenchMain implements Callable<Integer> {

  /** The benchmarks, in the order they run. */
  enum Benchmark { raw, worker, hop, inflight, direct }

  @Parameters(arity = "0..*", paramLabel = "BENCHMARK", description = "raw, worker, hop, inflight, direct or all (default all)")
  private List<String> which = new ArrayList<>(List.of("all"));

  // 60 s: on 2 cores the JIT's C2 threads take 60-70 s of a mesh benchmark to finish compiling
  // (BENCHMARKS.md Run G); a shorter warm-up measures the compiler as much as the mesh
  @Option(names = "--warmup", defaultValue = "60", description = "Warm-up seconds per benchmark and per rate (default ${DEFAULT-VALUE}).")
  private int warmup;

  @Option(names = "--duration", defaultValue = "20", description = "Measured seconds (default ${DEFAULT-VALUE}).")
  private int duration;

  @Option(names = "--raw-rate", defaultValue = "1000", description = "Raw Kafka messages/s (default ${DEFAULT-VALUE}).")
  private int rawRate;

  @Option(names = "--rate", defaultValue = "500", description = "Hop-overhead runs/s (default ${DEFAULT-VALUE}).")
  private int hopRate;

  @Option(names = "--raw-alongside-rate", defaultValue = "0",
      description = "Messages/s of a raw Kafka probe run beside the hop benchmark's load, its latency reported beside the"
          + " quiet reference's; 0 for none (default ${DEFAULT-VALUE}).")
  private int rawAlongsideRate;

  @Option(names = "--inflight-rates", split = ",", defaultValue = "250,500,1000",
      description = "In-flight runs/s, one after another (default ${DEFAULT-VALUE}).")
  private List<Integer> inFlightRates;

  @Option(names = "--max-in-flight", defaultValue = "2048", description = "In-flight limit of the in-flight node (default ${DEFAULT-VALUE}).")
  private int maxInFlight;

  @Option(names = "--concurrency", split = ",", defaultValue = "64,256",
      description = "Outstanding runs, direct vs mesh; several give a row each, and each side's best of them is its"
          + " throughput (default ${DEFAULT-VALUE}).")
  private List<Integer> concurrencies;

  @Option(names = "--model-latencies", split = ",", defaultValue = "0,100",
      description = "Model latencies in ms, direct vs mesh; a row each (default ${DEFAULT-VALUE}).")
  private List<Integer> modelLatencies;

  @Option(names = "--payload-bytes", defaultValue = "256", description = "Record / task size (default ${DEFAULT-VALUE}).")
  private int payloadBytes;

  @Option(names = "--delivery", defaultValue = "exactly-once",
      description = "Delivery guarantee of the deployed graphs: exactly-once or at-least-once (default ${DEFAULT-VALUE}).")
  private String delivery;

  @Option(names = "--out", defaultValue = "target/bench", description = "Directory of the JSON report (default ${DEFAULT-VALUE}).")
  private Path out;

  /** Runs the harness; exits 0 when every chosen benchmark ran (targets missed are reported, not failures). */
  public static void main(String[] args) {
    int code = new CommandLine(new BenchMain()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    BenchOptions options = new BenchOptions(warmup, duration, rawRate, hopRate, rawAlongsideRate, inFlightRates, maxInFlight,
        concurrencies, modelLatencies, payloadBytes, delivery);
    Set<Benchmark> chosen = chosen();
    PrintWriter console = new PrintWriter(System.out, true);
    console.printf("graphs deployed with delivery %s%n", options.delivery());
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("machine", Machine.describe());
    report.put("options", options);
    Map<String, Object> results = new LinkedHashMap<>();
    report.put("results", results);
    try (BenchInfra infra = BenchInfra.start()) {
      for (Benchmark benchmark : chosen) {
        console.printf("== %s (load average %.2f)%n", benchmark, Machine.loadAverage());
        Map<String, Object> result = switch (benchmark) {
          case raw -> RawKafkaBench.run(infra, options);
          case worker -> WorkerHopBench.run(infra, options);
          case hop -> HopOverheadBench.run(infra, options);
          case inflight -> InFlightBench.run(infra, options);
          case direct -> DirectVsMeshBench.run(infra, options);
        };
        results.put(benchmark.name(), result);
      }
    }
    report.put("verdicts", Verdicts.of(results));
    Summary.print(console, results, options);
    Path file = write(report);
    console.println("report: " + file.toAbsolutePath());
    return 0;
  }

  private Set<Benchmark> chosen() {
    Set<Benchmark> set = EnumSet.noneOf(Benchmark.class);
    for (String name : which) {
      if (name.equals("all")) {
        set.addAll(EnumSet.allOf(Benchmark.class));
      } else {
        try {
          set.add(Benchmark.valueOf(name));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(new CommandLine(this),
              "unknown benchmark '" + name + "' (known: raw, worker, hop, inflight, direct, all)");
        }
      }
    }
    return set;
  }

  private Path write(Map<String, Object> report) throws java.io.IOException {
    Files.createDirectories(out);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    Path file = out.resolve("bench-" + stamp + ".json");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), Summary.publicView(report));
    return file;
  }
}
