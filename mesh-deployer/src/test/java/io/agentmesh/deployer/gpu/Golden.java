package io.agentmesh.deployer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Compares text with a golden file; {@code -Dgolden.update=true} (or a missing file) rewrites it. */
final class Golden {

  private static final Path DIR = Path.of("src", "test", "resources", "golden", "gpu");

  private Golden() {}

  static void assertMatches(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual);
      }
      assertThat(actual).as("golden file %s (rerun with -Dgolden.update=true to accept)", file)
          .isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
