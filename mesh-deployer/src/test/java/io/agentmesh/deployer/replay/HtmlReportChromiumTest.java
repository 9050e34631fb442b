package io.agentmesh.deployer.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders the HTML report in headless Chromium (Debian's {@code chromium}) and checks every chart drew. */
class HtmlReportChromiumTest {

  private static final Pattern CHART = Pattern.compile("<svg class=\"chart\"[^>]*data-kind=\"(\\w+)\"[^>]*data-drawn=\"(\\d+)\"");

  @Test
  void everyChartDrawsBarsInHeadlessChromium(@TempDir Path dir) throws Exception {
    Optional<Path> chromium = onPath("chromium").or(() -> onPath("chromium-browser"));
    Assumptions.assumeTrue(chromium.isPresent(),
        "chromium is not on the PATH: skipped rendering the HTML report (install it with: apt-get install -y chromium)");
    Profile profile = Profiles.twoNodes(50, 4);
    Path html = dir.resolve("report.html");
    Files.writeString(html, Reports.html(profile, null));
    assertThat(Files.readString(html)).contains("id=\"data\"").doesNotContain("<script src", "<link", "src=\"http", "url(", "@import");

    Process process = new ProcessBuilder(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--user-data-dir=" + dir.resolve("profile"), "--dump-dom", html.toUri().toString())
        .redirectError(dir.resolve("chromium.err").toFile()).start();
    String dom = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();

    List<String> charts = new ArrayList<>();
    Matcher m = CHART.matcher(dom);
    while (m.find()) {
      assertThat(Integer.parseInt(m.group(2))).as("bars drawn in the %s chart", m.group(1)).isPositive();
      charts.add(m.group(1));
    }
    // one latency histogram per node, the slowest-runs timeline, throughput over time
    assertThat(charts).containsExactlyInAnyOrder("latency", "latency", "timeline", "throughput");
    assertThat(dom).contains("data-charts=\"4\"").contains("<rect");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

}
