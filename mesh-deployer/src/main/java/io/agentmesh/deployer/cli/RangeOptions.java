package io.agentmesh.deployer.cli;

import io.agentmesh.deployer.replay.ReadRange;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Which part of a graph's topics {@code mesh profile} and {@code mesh replay} read. */
final class RangeOptions {

  private static final Pattern AGO = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Option(names = "--from", paramLabel = "WHEN", description = "Records produced from WHEN: an ISO-8601 instant or a time ago (30s, 15m, 2h, 1d).")
  String from;

  @Option(names = "--to", paramLabel = "WHEN", description = "Records produced before WHEN (same forms as --from).")
  String to;

  @Option(names = "--from-offset", paramLabel = "N", description = "From offset N on every partition.")
  Long fromOffset;

  @Option(names = "--to-offset", paramLabel = "N", description = "Up to (not including) offset N on every partition.")
  Long toOffset;

  @Option(names = "--progress", description = "Draw a progress bar on stderr even when it is not a terminal.")
  boolean progress;

  ReadRange range() {
    return new ReadRange(Optional.ofNullable(from).map(w -> when("--from", w)), Optional.ofNullable(to).map(w -> when("--to", w)),
        fromOffset == null ? OptionalLong.empty() : OptionalLong.of(fromOffset),
        toOffset == null ? OptionalLong.empty() : OptionalLong.of(toOffset));
  }

  static Instant when(String option, String text) {
    if (AGO.matcher(text.trim()).matches()) {
      return Instant.now().minus(duration(option, text));
    }
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + ": expected an ISO-8601 instant (2026-11-21T10:15:30Z) or a time ago "
          + "(30s, 15m, 2h, 1d), got '" + text + "'");
    }
  }

  static Duration duration(String option, String text) {
    Matcher ago = AGO.matcher(text.trim());
    if (ago.matches()) {
      long n = Long.parseLong(ago.group(1));
      Duration d = switch (ago.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      return d;
    }
    throw new IllegalArgumentException(option + ": expected a duration (30s, 15m, 2h, 1d), got '" + text + "'");
  }
}
