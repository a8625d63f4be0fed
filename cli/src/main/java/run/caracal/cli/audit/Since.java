package run.caracal.cli.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import run.caracal.cli.UsageException;

/** Parses `--since`: a duration back from now (`90s`, `15m`, `2h`, `7d`, `PT30M`) or a time (`2026-01-31T09:00:00Z`, `2026-01-31`). */
public final class Since {
  private static final Pattern SHORT = Pattern.compile("(\\d+)([smhd])");

  private Since() {}

  /** A duration written `90s`, `15m`, `2h`, `7d` or `PT30M`; empty when {@code value} is not one. */
  public static Optional<Duration> duration(String value) {
    String v = value.trim();
    Matcher m = SHORT.matcher(v.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return Optional.of(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    if (v.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        return Optional.of(Duration.parse(v.toUpperCase(Locale.ROOT)));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  public static Instant parse(String value, Instant now) {
    String v = value.trim();
    Optional<Duration> d = duration(v);
    if (d.isPresent()) {
      return now.minus(d.get());
    }
    try {
      if (v.length() == 10) {
        return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new UsageException("--since `" + value + "` is neither a duration (15m, 2h, 7d) nor a time (2026-01-31T09:00:00Z)");
    }
  }
}
