package io.agentmesh.infra.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.InfraException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmbeddedRedisIT {

  @Test
  void answersLettuceWithTheBinaryFoundAutomatically(@TempDir Path runDir) throws Exception {
    try (EmbeddedRedis redis = EmbeddedRedis.builder().runDir(runDir).build().start()) {
      assertSetGet(redis);
    }
  }

  @Test
  void answersLettuceWithTheBinaryShippedInTheArtefact(@TempDir Path runDir) throws Exception {
    try (EmbeddedRedis redis = EmbeddedRedis.builder().runDir(runDir).binary(RedisBinary.bundled()).build().start()) {
      assertSetGet(redis);
    }
  }

  @Test
  void isGoneAfterTheJvmExitsNormally(@TempDir Path runDir) throws Exception {
    Process child = childJvm(runDir, "exit");
    long[] started = readPidAndPort(child);
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child JVM exited").isTrue();
    assertThat(child.exitValue()).isZero();

    ProcessHandle.of(started[0]).ifPresent(handle -> handle.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    assertThat(ProcessHandle.of(started[0]).map(ProcessHandle::isAlive).orElse(false)).as("redis-server still running").isFalse();
    assertThat(listPidFiles(runDir)).isEmpty();
  }

  @Test
  void stopsTheOrphanOfAKilledJvmAtTheNextStart(@TempDir Path runDir) throws Exception {
    Process child = childJvm(runDir, "wait");
    long[] started = readPidAndPort(child);
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    assertThat(ProcessHandle.of(started[0]).map(ProcessHandle::isAlive).orElse(false)).as("orphan after SIGKILL").isTrue();
    assertThat(listPidFiles(runDir)).hasSize(1);

    try (EmbeddedRedis next = EmbeddedRedis.builder().runDir(runDir).build().start()) {
      assertThat(ProcessHandle.of(started[0]).map(ProcessHandle::isAlive).orElse(false)).as("orphan after next start").isFalse();
      assertThat(listPidFiles(runDir)).containsExactly(runDir.resolve("redis-" + next.pid() + ".pid"));
    }
  }

  @Test
  void refusesAPortThatIsTaken(@TempDir Path runDir) {
    try (EmbeddedRedis first = EmbeddedRedis.builder().runDir(runDir).build().start()) {
      EmbeddedRedis second = EmbeddedRedis.builder().runDir(runDir).port(first.port()).build();
      assertThatThrownBy(second::start).isInstanceOf(InfraException.class)
          .hasMessageContaining("redis: port " + first.port()).hasMessageContaining("already in use");
    }
  }

  @Test
  void namesAMissingExecutable(@TempDir Path runDir) {
    Path missing = runDir.resolve("no-such-redis-server");
    EmbeddedRedis redis = EmbeddedRedis.builder().runDir(runDir).binary(RedisBinary.file(missing)).build();
    assertThatThrownBy(redis::start).isInstanceOf(InfraException.class)
        .hasMessage("redis: " + missing + " is not an executable file");
  }

  private static void assertSetGet(EmbeddedRedis redis) {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().set("greeting", "hello");
      assertThat(connection.sync().get("greeting")).isEqualTo("hello");
    } finally {
      client.shutdown();
    }
  }

  private static Process childJvm(Path runDir, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RedisChild.class.getName(), runDir.toString(), mode)
        .redirectErrorStream(true)
        .start();
  }

  private static long[] readPidAndPort(Process child) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.startsWith("REDIS ")) {
        String[] parts = line.split(" ");
        Thread.ofVirtual().start(() -> reader.lines().forEach(ignored -> { }));
        return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])};
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("child JVM ended without starting Redis:\n" + seen);
  }

  private static List<Path> listPidFiles(Path runDir) throws Exception {
    try (var files = Files.list(runDir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList();
    }
  }
}
