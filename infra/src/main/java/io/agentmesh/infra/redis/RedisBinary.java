package io.agentmesh.infra.redis;

import io.agentmesh.infra.InfraException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;

/** Which redis-server executable to run: one on the PATH, the bundled one, or an explicit file. */
public final class RedisBinary {

  private enum Kind { AUTO, PATH, BUNDLED, FILE }

  private final Kind kind;
  private final Path file;

  private RedisBinary(Kind kind, Path file) {
    this.kind = kind;
    this.file = file;
  }

  /** redis-server from the PATH when present, else the bundled binary. */
  public static RedisBinary auto() {
    return new RedisBinary(Kind.AUTO, null);
  }

  /** redis-server from the PATH only; fails when there is none. */
  public static RedisBinary fromPath() {
    return new RedisBinary(Kind.PATH, null);
  }

  /** The binary shipped in the embedded-redis artefact, extracted once to a cache directory. */
  public static RedisBinary bundled() {
    return new RedisBinary(Kind.BUNDLED, null);
  }

  /** An explicit executable. */
  public static RedisBinary file(Path executable) {
    return new RedisBinary(Kind.FILE, executable);
  }

  /** The executable to run, extracting the bundled one if needed. */
  public Path resolve() {
    return switch (kind) {
      case AUTO -> onPath().orElseGet(RedisBinary::extractBundled);
      case PATH -> onPath().orElseThrow(() -> new InfraException(
          "redis: no redis-server on the PATH (" + System.getenv("PATH") + "); install Debian's redis-server or use the bundled binary"));
      case BUNDLED -> extractBundled();
      case FILE -> {
        if (!Files.isExecutable(file)) {
          throw new InfraException("redis: " + file + " is not an executable file");
        }
        yield file;
      }
    };
  }

  static Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static Path extractBundled() {
    String resource = bundledResourceName();
    Path target = PidFiles.defaultDir().resolve("bin").resolve(resource);
    if (Files.isExecutable(target)) {
      return target;
    }
    try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new InfraException("redis: the embedded-redis artefact holds no " + resource
            + " on the classpath; install redis-server (Debian: apt-get install redis-server)");
      }
      Files.createDirectories(target.getParent());
      Path partial = Files.createTempFile(target.getParent(), resource, ".part");
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new InfraException("redis: cannot extract bundled " + resource + " to " + target + ": " + e.getMessage(), e);
    }
  }

  private static String bundledResourceName() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.contains("aarch64") || arch.contains("arm64");
    if (os.contains("linux")) {
      return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    }
    if (os.contains("mac")) {
      return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    }
    throw new InfraException("redis: no bundled redis-server for " + os + "/" + arch + "; install redis-server");
  }

  @Override
  public String toString() {
    return kind == Kind.FILE ? "file " + file : kind.name().toLowerCase(Locale.ROOT);
  }
}
