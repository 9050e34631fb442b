package io.agentmesh.infra.redis;

import io.agentmesh.infra.InfraException;
import io.agentmesh.infra.Ports;
import io.agentmesh.infra.ShutdownHook;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} as a child process of this JVM, on loopback, with persistence off.
 *
 * <p>The binary is the one on the PATH (Debian's package) when present, else the one shipped in
 * the {@code com.github.codemonstur:embedded-redis} artefact ({@link RedisBinary}). A child
 * process outlives a JVM killed with SIGKILL, so every server we start is recorded in a pid file
 * ({@link PidFiles}); the next start removes servers whose owning JVM is gone.
 */
public final class EmbeddedRedis implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final int BIND_ATTEMPTS = 3;

  private final String host;
  private final int requestedPort;
  private final RedisBinary binary;
  private final PidFiles pidFiles;
  private final Duration startTimeout;

  private Process process;
  private Path pidFile;
  private int port;
  private ShutdownHook shutdownHook;
  private final List<String> output = new ArrayList<>();

  private EmbeddedRedis(Builder builder) {
    this.host = builder.host;
    this.requestedPort = builder.port;
    this.binary = builder.binary;
    this.pidFiles = new PidFiles(builder.runDir);
    this.startTimeout = builder.startTimeout;
  }

  /** A builder with loopback, any free port and the binary found automatically. */
  public static Builder builder() {
    return new Builder();
  }

  /** Cleans up servers left by killed JVMs, starts redis-server and waits for PONG. */
  public synchronized EmbeddedRedis start() {
    if (process != null) {
      throw new IllegalStateException("redis: already started on " + uri());
    }
    pidFiles.removeOrphans();
    long began = System.nanoTime();
    Path executable = binary.resolve();
    int attempts = requestedPort == 0 ? BIND_ATTEMPTS : 1;
    InfraException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      int candidate = requestedPort == 0 ? Ports.anyFree(host) : requestedPort;
      try {
        startOnce(executable, candidate);
        LOG.info("redis: ready on {} in {} ms ({})", uri(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), executable);
        return this;
      } catch (InfraException e) {
        last = e;
        LOG.warn("redis: start attempt {} of {} failed: {}", attempt, attempts, e.getMessage());
      }
    }
    throw last;
  }

  private void startOnce(Path executable, int candidatePort) {
    if (!Ports.isFree(host, candidatePort)) {
      throw new InfraException("redis: port " + candidatePort + " on " + host
          + " is already in use; choose another port or 0 for any free port");
    }
    List<String> command = List.of(executable.toString(),
        "--port", Integer.toString(candidatePort),
        "--bind", host,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
        "--loglevel", "warning");
    Process started;
    try {
      started = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new InfraException("redis: cannot run " + executable + ": " + e.getMessage(), e);
    }
    Thread.ofVirtual().name("redis-output-" + candidatePort).start(() -> drain(started.getInputStream()));
    this.process = started;
    this.port = candidatePort;
    this.pidFile = pidFiles.record(started.pid(), candidatePort);
    try {
      awaitPong();
    } catch (InfraException e) {
      stopProcess();
      throw e;
    }
    shutdownHook = ShutdownHook.register("embedded-redis-shutdown", this::stopFromHook);
  }

  private void awaitPong() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new InfraException("redis: redis-server exited with code " + process.exitValue()
            + " while starting on " + host + ":" + port + ": " + String.join(" | ", recentOutput()));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), 200);
        socket.setSoTimeout(500);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] reply = socket.getInputStream().readNBytes(7);
        last = new String(reply, StandardCharsets.US_ASCII);
        if (last.startsWith("+PONG")) {
          return;
        }
      } catch (IOException e) {
        last = e.getMessage();
      }
      Thread.onSpinWait();
      try {
        process.waitFor(10, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InfraException("redis: interrupted while waiting for " + host + ":" + port);
      }
    }
    throw new InfraException("redis: no PONG from " + host + ":" + port + " within "
        + startTimeout.toMillis() + " ms (last: " + last + ")");
  }

  private void drain(InputStream in) {
    try (in) {
      byte[] buffer = new byte[4096];
      int read;
      StringBuilder line = new StringBuilder();
      while ((read = in.read(buffer)) >= 0) {
        for (int i = 0; i < read; i++) {
          char c = (char) buffer[i];
          if (c == '\n') {
            remember(line.toString());
            line.setLength(0);
          } else {
            line.append(c);
          }
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  private void remember(String line) {
    synchronized (output) {
      output.add(line);
      if (output.size() > 20) {
        output.removeFirst();
      }
    }
  }

  private List<String> recentOutput() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** {@code redis://host:port}, the form Lettuce takes. */
  public String uri() {
    return "redis://" + host + ":" + port;
  }

  /** The listening port. */
  public int port() {
    return port;
  }

  /** The pid of the redis-server process, or -1 when stopped. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Stops redis-server (SIGTERM, then SIGKILL after 5 s) and removes its pid file. */
  @Override
  public synchronized void close() {
    if (shutdownHook != null) {
      shutdownHook.cancel();
      shutdownHook = null;
    }
    stopProcess();
  }

  private synchronized void stopFromHook() {
    shutdownHook = null;
    stopProcess();
  }

  private void stopProcess() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      pidFiles.remove(pidFile);
      process = null;
      pidFile = null;
    }
  }

  /** Settings for an {@link EmbeddedRedis}; checked as they are set. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private RedisBinary binary = RedisBinary.auto();
    private Path runDir = PidFiles.defaultDir();
    private Duration startTimeout = Duration.ofSeconds(15);

    private Builder() {}

    /** The address to bind; loopback by default. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "redis: host");
      return this;
    }

    /** The port; 0 (default) picks any free port. */
    public Builder port(int port) {
      this.port = Ports.requireValid("redis", port);
      return this;
    }

    /** Which redis-server to run; {@link RedisBinary#auto()} by default. */
    public Builder binary(RedisBinary binary) {
      this.binary = Objects.requireNonNull(binary, "redis: binary");
      return this;
    }

    /** Where pid files of running servers are kept. */
    public Builder runDir(Path runDir) {
      this.runDir = Objects.requireNonNull(runDir, "redis: runDir");
      return this;
    }

    /** How long {@link EmbeddedRedis#start()} waits for PONG. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = ShutdownHook.requirePositive("redis", "startTimeout", timeout);
      return this;
    }

    public EmbeddedRedis build() {
      return new EmbeddedRedis(this);
    }
  }
}
