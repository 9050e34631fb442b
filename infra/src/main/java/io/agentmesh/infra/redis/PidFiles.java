package io.agentmesh.infra.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pid files of the redis-servers this machine's JVMs started: {@code <redis pid> <owner pid> <port>}.
 * A file whose owner JVM is gone marks an orphan (its JVM was killed); it is stopped and removed.
 */
final class PidFiles {

  private static final Logger LOG = LoggerFactory.getLogger(PidFiles.class);

  private final Path dir;

  PidFiles(Path dir) {
    this.dir = dir;
  }

  static Path defaultDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "agentmesh-redis");
  }

  Path record(long redisPid, int port) {
    Path file = dir.resolve("redis-" + redisPid + ".pid");
    try {
      Files.createDirectories(dir);
      Files.writeString(file, redisPid + " " + ProcessHandle.current().pid() + " " + port + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      LOG.warn("redis: cannot write pid file {}: {}", file, e.toString());
    }
    return file;
  }

  void remove(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("redis: cannot delete pid file {}: {}", file, e.toString());
    }
  }

  /** Stops every recorded redis-server whose owning JVM no longer runs; returns how many. */
  int removeOrphans() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "redis-*.pid")) {
      for (Path file : files) {
        if (removeIfOrphan(file)) {
          removed++;
        }
      }
    } catch (IOException e) {
      LOG.warn("redis: cannot scan {} for stale pid files: {}", dir, e.toString());
    }
    return removed;
  }

  private boolean removeIfOrphan(Path file) throws IOException {
    String[] fields = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+");
    if (fields.length < 2) {
      Files.deleteIfExists(file);
      return false;
    }
    long redisPid = Long.parseLong(fields[0]);
    long ownerPid = Long.parseLong(fields[1]);
    if (ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    Optional<ProcessHandle> redis = ProcessHandle.of(redisPid).filter(ProcessHandle::isAlive).filter(PidFiles::isRedis);
    redis.ifPresent(handle -> {
      LOG.warn("redis: stopping orphaned redis-server pid {} (its JVM {} is gone)", redisPid, ownerPid);
      handle.destroyForcibly();
      handle.onExit().orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> null).join();
    });
    Files.deleteIfExists(file);
    return redis.isPresent();
  }

  /**
   * Whether the pid is still a Redis (not a process that reused the pid). Debian's redis-server is a
   * symlink to redis-check-rdb, one binary acting on its argv[0], so the executable may show under
   * either name.
   */
  private static boolean isRedis(ProcessHandle handle) {
    ProcessHandle.Info info = handle.info();
    boolean redisExecutable = info.command()
        .map(command -> java.nio.file.Path.of(command).getFileName().toString().startsWith("redis-"))
        .orElse(false);
    boolean redisCommandLine = info.commandLine().map(line -> line.contains("redis-server")).orElse(false);
    return redisExecutable || redisCommandLine;
  }
}
