package io.agentmesh.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.agentmesh.core.graph.DeploymentSpec;
import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.metrics.MeshMetric;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.infra.HostCpu;
import io.agentmesh.infra.LocalInfra;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Sync invoke through the gateway: a 1-node graph on the zero-latency simulator model, N clients
 * each sending its next request as soon as the previous one answers. Reports throughput, latency
 * percentiles, and the gateway's overhead two ways: each call's latency minus the run's own time
 * ({@code finishedAt - startedAt} of its result: queueing on ingress and the worker's commit count
 * as overhead), and each call's latency minus the run's time as a plain read_committed Kafka client
 * sees it (task appended to ingress -> result readable, noted by a witness consumer): what the
 * gateway adds over publishing the task and reading the result directly (docs/decisions.md D-019).
 *
 * <p>Two layouts. {@code split} (the default): the mesh (broker, Redis, registry, simulator, the
 * graph's worker) runs in a child JVM pinned to every core but the first, and the gateway, the
 * clients and the witness run in a second child JVM started on the first core (so it sizes its
 * collector and pools for one CPU), as a gateway deployed apart from its mesh would be; on a 2-core
 * machine each side has one core; {@code -Dbench.gateway.jvm="..."} adds flags to the gateway side's
 * JVM. {@code shared}: everything in this one JVM on every core. {@code
 * -Dbench.delivery=exactly-once|at-least-once} is the graph's delivery (D-020). {@code -Dbench.dump=FILE}
 * writes each measured run's four times (client send, task appended, result readable, answer; epoch ms)
 * to a CSV file, to line them up with a GC log, say.
 * Not part of the test run: {@code ./mvnw -B -q -pl mesh-gateway -am -Pbench verify -DskipTests
 * -Dbench.clients=200 -Dbench.seconds=30 -Dbench.warmup=90 -Dbench.layout=split} (pinning uses
 * {@code taskset}, util-linux).
 */
public final class GatewayBench {

  private static final String MODEL = "sim-default";
  private static final String READY = "MESH-READY ";

  private GatewayBench() {}

  /** The servers the gateway talks to. */
  private record MeshEndpoints(String kafka, String redis, String registry, String simulator) {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    String layout = args.length > 3 ? args[3] : "split";
    String deliveryName = System.getProperty("bench.delivery", "exactly-once");
    DeploymentSpec.Delivery delivery = DeploymentSpec.Delivery.fromYaml(deliveryName).orElseThrow(() ->
        new IllegalArgumentException("bench.delivery: exactly-once or at-least-once, not '" + deliveryName + "'"));
    String graphName = "bench-" + ProcessHandle.current().pid();
    switch (layout) {
      case "shared" -> {
        try (LocalInfra infra = LocalInfra.create(LocalInfra.Settings.forTests()).startAll();
             RunningGraph graph = RunningGraph.start(infra.kafka().bootstrapServers(), infra.redis().uri(), infra.registry().url(),
                 RunningGraph.pipelineGraph(infra.simulator().baseUrl(), graphName, MODEL, "answer"), delivery)) {
          measure(new MeshEndpoints(infra.kafka().bootstrapServers(), infra.redis().uri(), infra.registry().url(),
              infra.simulator().baseUrl()), graph.graph, clients, seconds, warmup, "shared: one JVM on every core, " + deliveryName);
        }
      }
      case "split" -> split(graphName, clients, seconds, warmup, deliveryName);
      case "mesh-side" -> meshSide(args[4], delivery);
      case "gateway-side" -> measure(new MeshEndpoints(args[5], args[6], args[7], args[8]),
          RunningGraph.pipelineGraph(args[8], args[4], MODEL, "answer"), clients, seconds, warmup,
          "split: gateway + clients + witness in a JVM started on CPU 0 (" + Runtime.getRuntime().availableProcessors()
              + " CPU seen, " + garbageCollectors() + "), the mesh in a child JVM on the other CPUs, " + deliveryName);
      default -> throw new IllegalArgumentException("layout (4th argument): shared or split, not '" + layout + "'");
    }
    System.exit(0);
  }

  private static void split(String graphName, int clients, int seconds, int warmup, String delivery) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    if (cores < 2) {
      throw new IllegalStateException("the split layout needs 2 cores or more; this machine has " + cores + ": use shared");
    }
    String meshCpus = cores == 2 ? "1" : "1-" + (cores - 1);
    Process mesh = pinnedJvm(meshCpus, List.of("-Xmx2g", "-Dbench.delivery=" + delivery), List.of("0", "0", "0", "mesh-side", graphName))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      MeshEndpoints endpoints = awaitReady(mesh);
      // The gateway side is a JVM started on its one core, not this JVM pinned later: the JVM sizes
      // its collector, compiler and thread pools from the CPUs it sees at start, as a gateway
      // deployed with one CPU would (with one CPU the JVM's ergonomics pick the serial collector).
      List<String> jvm = new ArrayList<>(List.of("-Xmx2g", "-Dbench.delivery=" + delivery,
          "-Dbench.dump=" + System.getProperty("bench.dump", "")));
      Stream.of(System.getProperty("bench.gateway.jvm", "").split(" ")).filter(flag -> !flag.isBlank()).forEach(jvm::add);
      Process gateway = pinnedJvm("0", jvm, List.of(Integer.toString(clients), Integer.toString(seconds),
          Integer.toString(warmup), "gateway-side", graphName, endpoints.kafka(), endpoints.redis(), endpoints.registry(),
          endpoints.simulator())).inheritIO().start();
      if (!gateway.waitFor(warmup + seconds + 300L, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
        throw new IllegalStateException("the gateway side did not finish within " + (warmup + seconds + 300) + " s");
      }
      if (gateway.exitValue() != 0) {
        throw new IllegalStateException("the gateway side failed (exit " + gateway.exitValue() + ")");
      }
    } finally {
      mesh.getOutputStream().close(); // the mesh side stops when its stdin closes
      if (!mesh.waitFor(30, TimeUnit.SECONDS)) {
        mesh.destroyForcibly();
      }
    }
  }

  /** This class's main in a new JVM started under {@code taskset -c cpus}. */
  private static ProcessBuilder pinnedJvm(String cpus, List<String> jvmFlags, List<String> args) {
    List<String> command = new ArrayList<>(List.of("taskset", "-c", cpus,
        ProcessHandle.current().info().command().orElseThrow()));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayBench.class.getName()));
    command.addAll(args);
    return new ProcessBuilder(command);
  }

  /**
   * This JVM's CPU time, the part of it the benchmark's own threads used, the wall clock and the
   * machine's ticks (for steal and busy; null off Linux), at one moment: one at each end of the measured phase.
   */
  private record CpuMark(long processNanos, long benchThreadsNanos, long wallNanos, HostCpu host) {

    static CpuMark now(long... benchThreads) {
      long bench = 0;
      for (long thread : benchThreads) {
        bench += Math.max(0, ManagementFactory.getThreadMXBean().getThreadCpuTime(thread)); // -1: not measurable
      }
      long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      return new CpuMark(process, bench, System.nanoTime(), HostCpu.now());
    }
  }

  private static String garbageCollectors() {
    return String.join(" + ", ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).toList());
  }

  /** Reads the child's stdout until its ready line (echoing the rest, now and later). */
  private static MeshEndpoints awaitReady(Process mesh) throws Exception {
    var lines = new BufferedReader(new InputStreamReader(mesh.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.startsWith(READY)) {
        String[] parts = line.substring(READY.length()).split(" ");
        Thread.ofPlatform().daemon().name("mesh-side-output").start(() -> lines.lines().forEach(System.out::println));
        return new MeshEndpoints(parts[0], parts[1], parts[2], parts[3]);
      }
      System.out.println(line);
    }
    throw new IllegalStateException("the mesh side exited before it was ready (exit " + mesh.waitFor() + ")");
  }

  /** The child of the split layout: the mesh and the graph's worker, until stdin closes. */
  private static void meshSide(String graphName, DeploymentSpec.Delivery delivery) throws Exception {
    try (LocalInfra infra = LocalInfra.create(LocalInfra.Settings.forTests()).startAll();
         RunningGraph graph = RunningGraph.start(infra.kafka().bootstrapServers(), infra.redis().uri(), infra.registry().url(),
             RunningGraph.pipelineGraph(infra.simulator().baseUrl(), graphName, MODEL, "answer"), delivery)) {
      System.out.println(READY + String.join(" ", infra.kafka().bootstrapServers(), infra.redis().uri(), infra.registry().url(),
          infra.simulator().baseUrl()));
      System.out.flush();
      while (System.in.read() != -1) {
        // wait for the parent to close our stdin (or die)
      }
    }
  }

  private static void measure(MeshEndpoints mesh, Graph graph, int clients, int seconds, int warmup, String layout)
      throws Exception {
    try (Gateway gateway = Gateway.builder().graphs(List.of(graph)).kafkaBootstrap(mesh.kafka())
             .redisUri(mesh.redis()).registryUrl(mesh.registry()).port(0).auth(AuthConfig.none())
             .limits(Limits.defaults().withRateLimit(0, 1).withMaxSyncWaits(10_000)).start()) {
      // one event loop for the clients, so its thread's CPU can be told apart from the gateway's
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
      CompletableFuture<Long> loopThread = new CompletableFuture<>();
      vertx.runOnContext(v -> loopThread.complete(Thread.currentThread().threadId()));
      long clientThread = loopThread.get(10, TimeUnit.SECONDS);
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.port())
          .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(clients));
      String uri = "/v1/graphs/" + graph.name() + "/runs?wait=30s";
      TopicNames topics = TopicNames.of(graph.name());
      Witness witness = Witness.start(mesh.kafka(), topics.ingress(), topics.results());
      System.out.printf("gateway bench: %d clients, %d s warm-up, %d s measured, graph %s (1 node, %s: no latency), layout %s%n",
          clients, warmup, seconds, graph.name(), MODEL, layout);
      // the measured phase's tables are made now, so they are in the old generation before it starts
      Phase measured = new Phase(RunTimes.capacityFor(seconds));
      RunTimes seen = new RunTimes(RunTimes.capacityFor(seconds), 1);
      RunTimes enqueued = new RunTimes(RunTimes.capacityFor(seconds), 1);
      Phase warm = run(http, uri, clients, warmup, new Phase(0));
      System.out.printf("warm-up: %s%n", warm.summary(warmup));
      witness.record(seen, enqueued);
      CpuMark cpuBefore = CpuMark.now(clientThread, witness.thread.threadId());
      run(http, uri, clients, seconds, measured);
      CpuMark cpuAfter = CpuMark.now(clientThread, witness.thread.threadId());
      System.out.printf("measured: %s%n", measured.summary(seconds));
      System.out.printf("CPU stolen by the hypervisor while measured: %s%%%n", HostCpu.stealPercent(cpuBefore.host(), cpuAfter.host()));
      System.out.printf("machine's CPU busy (neither idle nor stolen) while measured: %s%%%n",
          HostCpu.busyPercent(cpuBefore.host(), cpuAfter.host()));
      long runs = Math.max(1, measured.ok.sum());
      double benchMs = (cpuAfter.benchThreadsNanos() - cpuBefore.benchThreadsNanos()) / 1e6;
      double allMs = (cpuAfter.processNanos() - cpuBefore.processNanos()) / 1e6;
      double wallMs = (cpuAfter.wallNanos() - cpuBefore.wallNanos()) / 1e6;
      String rest = layout.startsWith("shared") ? "the gateway and the whole mesh" : "the gateway, collector and compiler";
      System.out.printf("CPU of this JVM while measured: %.3f ms per run (%.0f%% of %d CPU), of which the benchmark's clients' "
              + "event loop and witness %.3f ms, the rest (%s) %.3f ms per run%n",
          allMs / runs, 100 * allMs / (wallMs * Runtime.getRuntime().availableProcessors()),
          Runtime.getRuntime().availableProcessors(), benchMs / runs, rest, (allMs - benchMs) / runs);
      System.out.printf("measured, against a Kafka client: %s%n", measured.againstKafkaClient(witness));
      witness.close();
      System.out.printf("gateway blocked-thread events: %d%n", gateway.blockedThreadEvents());
      for (MeshMetric metric : List.of(MeshMetric.GATEWAY_SUBMIT_TIME, MeshMetric.GATEWAY_RESULT_LAG, MeshMetric.GATEWAY_RESULT_READ_LAG)) {
        String name = metric.metricName();
        var timer = gateway.metrics().registry().find(name).timer();
        if (timer != null) {
          var snapshot = timer.takeSnapshot();
          StringBuilder line = new StringBuilder(name + " (whole run, ms):");
          for (var p : snapshot.percentileValues()) {
            line.append(String.format(" p%.0f %.1f", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
          }
          System.out.println(line.append(String.format(" mean %.1f", snapshot.mean(TimeUnit.MILLISECONDS))));
        }
      }
      http.close().await();
      vertx.close().await();
    }
  }

  /** Latencies and overheads of one phase, in microseconds. */
  private static final class Phase {
    final Recorder latency = new Recorder(3);
    final Recorder overhead = new Recorder(3);
    final Recorder before = new Recorder(3);
    final Recorder after = new Recorder(3);
    final LongAdder ok = new LongAdder();
    final ConcurrentHashMap<String, LongAdder> other = new ConcurrentHashMap<>();
    /** Per answered run: client send, answer (epoch ms); for the witness comparison. */
    final RunTimes calls;

    Phase(int capacity) {
      calls = new RunTimes(capacity, 2);
    }

    /**
     * Overhead as what the gateway adds over a Kafka client: latency minus the run's time as a
     * read_committed consumer sees it (task on ingress -> result readable), per run, and the part
     * after the result became readable (gateway read + HTTP answer).
     */
    String againstKafkaClient(Witness witness) {
      witness.awaitQuiet();
      witness.readIngress();
      Histogram overhead = new Histogram(3);
      Histogram after = new Histogram(3);
      Histogram before = new Histogram(3);
      int unseen = 0;
      String dumpTo = System.getProperty("bench.dump", "");
      StringBuilder dump = dumpTo.isBlank() ? null : new StringBuilder("sent_ms,appended_ms,readable_ms,answered_ms\n");
      Map<UUID, long[]> seenAt = witness.seen.toMap();
      Map<UUID, long[]> enqueuedAt = witness.enqueued.toMap();
      for (var call : calls.toMap().entrySet()) {
        long[] seen = seenAt.get(call.getKey());
        long[] enqueued = enqueuedAt.get(call.getKey());
        if (seen == null || enqueued == null) {
          unseen++;
          continue;
        }
        long sentAt = call.getValue()[0];
        long answeredAt = call.getValue()[1];
        long runMs = Math.max(0, seen[0] - enqueued[0]);
        overhead.recordValue(Math.max(0, (answeredAt - sentAt) - runMs));
        after.recordValue(Math.max(0, answeredAt - seen[0]));
        before.recordValue(Math.max(0, enqueued[0] - sentAt));
        if (dump != null) {
          dump.append(sentAt).append(',').append(enqueued[0]).append(',').append(seen[0]).append(',')
              .append(answeredAt).append('\n');
        }
      }
      if (dump != null) {
        try {
          Files.writeString(Path.of(dumpTo), dump);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the per-run times to " + dumpTo, e);
        }
      }
      long dropped = calls.dropped() + witness.seen.dropped() + witness.enqueued.dropped();
      return String.format("%d runs (%d not seen by the witness, %d times not recorded: tables full); overhead (latency - (result readable - task appended to ingress)) ms "
              + "p50 %d p90 %d p99 %d max %d; of which before the task was appended (client send -> gateway's producer) p50 %d p99 %d, "
              + "after the result was readable (gateway read + answer) p50 %d p99 %d",
          overhead.getTotalCount(), unseen, dropped, overhead.getValueAtPercentile(50), overhead.getValueAtPercentile(90),
          overhead.getValueAtPercentile(99), overhead.getMaxValue(), before.getValueAtPercentile(50), before.getValueAtPercentile(99),
          after.getValueAtPercentile(50), after.getValueAtPercentile(99));
    }

    String summary(int seconds) {
      var l = latency.getIntervalHistogram();
      var o = overhead.getIntervalHistogram();
      var b = before.getIntervalHistogram();
      var a = after.getIntervalHistogram();
      return String.format("%d ok (%.0f/s), other %s; latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f; "
              + "overhead (latency - run time) ms p50 %.1f p90 %.1f p99 %.1f max %.1f"
              + "; of which before the run (send -> startedAt) p50 %d p99 %d, after it (finishedAt -> answer) p50 %d p99 %d",
          ok.sum(), ok.sum() / (double) seconds, other,
          l.getValueAtPercentile(50) / 1e3, l.getValueAtPercentile(90) / 1e3, l.getValueAtPercentile(99) / 1e3, l.getMaxValue() / 1e3,
          o.getValueAtPercentile(50) / 1e3, o.getValueAtPercentile(90) / 1e3, o.getValueAtPercentile(99) / 1e3, o.getMaxValue() / 1e3,
          b.getValueAtPercentile(50), b.getValueAtPercentile(99), a.getValueAtPercentile(50), a.getValueAtPercentile(99));
    }
  }

  private static Phase run(HttpClient http, String uri, int clients, int seconds, Phase phase) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int client = c;
      loop(http, uri, client, 0, end, phase, done);
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    return phase;
  }

  private static void loop(HttpClient http, String uri, int client, long n, long end, Phase phase, CountDownLatch done) {
    if (System.nanoTime() > end) {
      done.countDown();
      return;
    }
    Buffer body = Buffer.buffer("{\"question\": \"client " + client + " call " + n + "\"}");
    long began = System.nanoTime();
    long sentAt = System.currentTimeMillis();
    http.request(HttpMethod.POST, uri)
        .compose(request -> request.putHeader("Content-Type", "application/json").send(body)
            .compose(response -> response.body().map(b -> {
              long micros = (System.nanoTime() - began) / 1_000;
              long answeredAt = System.currentTimeMillis(); // when the answer arrived, not after this client parsed it
              if (response.statusCode() == 200) {
                Answer result = Answer.parse(b);
                phase.ok.increment();
                phase.latency.recordValue(micros);
                phase.overhead.recordValue(Math.max(0, micros - result.durationMs() * 1_000));
                phase.before.recordValue(Math.max(0, Instant.parse(result.startedAt()).toEpochMilli() - sentAt));
                phase.after.recordValue(Math.max(0, answeredAt - Instant.parse(result.finishedAt()).toEpochMilli()));
                phase.calls.add(result.runId(), sentAt, answeredAt);
              } else {
                phase.other.computeIfAbsent(Integer.toString(response.statusCode()), s -> new LongAdder()).increment();
              }
              return null;
            })))
        .onComplete(r -> {
          if (r.failed()) {
            phase.other.computeIfAbsent(r.cause().getClass().getSimpleName(), s -> new LongAdder()).increment();
          }
          loop(http, uri, client, n + 1, end, phase, done);
        });
  }

  /**
   * Times per run id (a UUID), in arrays allocated once: what the benchmark keeps about its runs
   * then gives the measured JVM's collector nothing to copy (session 5 found the per-call objects it
   * kept before were a share of each young collection's pause). Thread-safe appends; a full table
   * drops and counts.
   */
  private static final class RunTimes {
    private final long[] ids;
    private final long[] times;
    private final int width;
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();

    RunTimes(int capacity, int width) {
      this.ids = new long[2 * capacity];
      this.times = new long[width * capacity];
      this.width = width;
    }

    /** Room for a measured phase of this length at up to 5,000 runs/s. */
    static int capacityFor(int seconds) {
      return Math.max(1, seconds) * 5_000;
    }

    void add(String runId, long... values) {
      int i = size.getAndIncrement();
      if (i >= ids.length / 2) {
        size.decrementAndGet();
        dropped.increment();
        return;
      }
      UUID id = UUID.fromString(runId);
      ids[2 * i] = id.getMostSignificantBits();
      ids[2 * i + 1] = id.getLeastSignificantBits();
      System.arraycopy(values, 0, times, width * i, width);
    }

    long dropped() {
      return dropped.sum();
    }

    /** The first times recorded per run id; call once appends have stopped. */
    Map<UUID, long[]> toMap() {
      Map<UUID, long[]> out = new HashMap<>();
      for (int i = 0, n = Math.min(size.get(), ids.length / 2); i < n; i++) {
        out.putIfAbsent(new UUID(ids[2 * i], ids[2 * i + 1]), Arrays.copyOfRange(times, width * i, width * (i + 1)));
      }
      return out;
    }
  }

  /**
   * When each run's result became readable to a plain read_committed Kafka client, and when its task
   * was appended to ingress. The results are read live, by a consumer configured as the gateway's own
   * reader (no group, every partition, fetch.max.wait 10 ms), noting the time each arrives. The
   * ingress side needs no live reader: a task's append time is its record's timestamp (set when the
   * gateway's producer took it), so the records the measured phase appended are read after the phase,
   * from the offsets ingress had when it began, and the witness takes no CPU for them from the core
   * it shares with the gateway while it is measured.
   */
  private static final class Witness implements AutoCloseable {
    private final String bootstrap;
    private final String ingress;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Recording starts with the measured phase: the warm-up's runs are not kept. */
    private volatile RunTimes seen = new RunTimes(0, 1);
    private RunTimes enqueued = new RunTimes(0, 1);
    /** Where ingress ended when the measured phase began. */
    private Map<TopicPartition, Long> ingressFrom = Map.of();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastRecordAt = System.currentTimeMillis();

    private Witness(String bootstrap, String ingress, String results) {
      this.bootstrap = bootstrap;
      this.ingress = ingress;
      consumer = consumer(bootstrap);
      List<TopicPartition> partitions = partitions(consumer, results);
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      thread = Thread.ofPlatform().daemon().name("bench-witness").start(this::loop);
    }

    static Witness start(String bootstrap, String ingress, String results) {
      return new Witness(bootstrap, ingress, results);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
      return new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10),
          new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
      return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private void loop() {
      while (running) {
        var records = consumer.poll(Duration.ofMillis(50));
        long now = System.currentTimeMillis();
        for (var record : records) {
          seen.add(new String(record.key(), StandardCharsets.UTF_8), now);
          lastRecordAt = now;
        }
      }
      consumer.close();
    }

    /** Keeps what is appended from now on (runs of the measured phase) in these tables. */
    void record(RunTimes seenAt, RunTimes enqueuedAt) {
      try (KafkaConsumer<byte[], byte[]> reader = consumer(bootstrap)) {
        ingressFrom = reader.endOffsets(partitions(reader, ingress), Duration.ofSeconds(30));
      }
      enqueued = enqueuedAt;
      seen = seenAt;
    }

    /** Waits (at most 5 s) until no result arrived for 500 ms, so the last answered runs are seen. */
    void awaitQuiet() {
      long deadline = System.currentTimeMillis() + 5_000;
      while (System.currentTimeMillis() - lastRecordAt < 500 && System.currentTimeMillis() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }

    /** Reads the append times of the tasks put on ingress since {@link #record}; call once the phase is over. */
    void readIngress() {
      try (KafkaConsumer<byte[], byte[]> reader = consumer(bootstrap)) {
        reader.assign(ingressFrom.keySet());
        ingressFrom.forEach(reader::seek);
        Map<TopicPartition, Long> to = reader.endOffsets(ingressFrom.keySet(), Duration.ofSeconds(30));
        long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (to.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())
            && System.nanoTime() < readDeadline) {
          for (var record : reader.poll(Duration.ofMillis(200))) {
            enqueued.add(new String(record.key(), StandardCharsets.UTF_8), record.timestamp());
          }
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }
  }

  /**
   * The fields of a sync call's answer the benchmark uses, read with a streaming parser that skips
   * the rest (the run's output among them): the clients share the gateway's core in the split
   * layout, so what they spend per answer is taken from the gateway.
   */
  private record Answer(String runId, long durationMs, String startedAt, String finishedAt) {

    static Answer parse(Buffer body) {
      String runId = null;
      String startedAt = null;
      String finishedAt = null;
      long durationMs = -1;
      try (JsonParser json = Http.JSON.getFactory().createParser(body.getBytes())) {
        if (json.nextToken() != JsonToken.START_OBJECT) {
          throw new IllegalStateException("a sync answer is a JSON object: " + body);
        }
        while (json.nextToken() == JsonToken.FIELD_NAME) {
          String field = json.currentName();
          json.nextToken();
          switch (field) {
            case "runId" -> runId = json.getText();
            case "startedAt" -> startedAt = json.getText();
            case "finishedAt" -> finishedAt = json.getText();
            case "durationMs" -> durationMs = json.getLongValue();
            default -> json.skipChildren();
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("unreadable sync answer: " + body, e);
      }
      if (runId == null || startedAt == null || finishedAt == null || durationMs < 0) {
        throw new IllegalStateException("a sync answer lacks runId, startedAt, finishedAt or durationMs: " + body);
      }
      return new Answer(runId, durationMs, startedAt, finishedAt);
    }
  }
}
