package io.agentmesh.gateway;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the {@code wait} query parameter: {@code 500ms}, {@code 30s}, {@code 2m}, a bare number of seconds, or ISO-8601. */
final class Waits {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m)?");

  private Waits() {}

  /** The wait asked for, or empty when the text is not a duration. */
  static Optional<Duration> parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return Optional.of(switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
    }
    if (t.startsWith("pt")) {
      try {
        return Optional.of(Duration.parse(t));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
