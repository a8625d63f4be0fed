package run.caracal.ledger.chain;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The canonical time format: UTC, microsecond precision, always six fraction digits,
 * {@code uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'} (e.g. {@code 2026-11-05T09:30:00.000000Z}). Thread-safe.
 */
public final class Timestamps {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /** Formats an instant (truncated to microseconds). */
  public static String format(Instant instant) {
    return FORMAT.format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  /** Parses the canonical format (any ISO-8601 instant is accepted). */
  public static Instant parse(String text) {
    return Instant.parse(text);
  }

  /** The instant as a UTC {@link OffsetDateTime}, the type both JDBC drivers bind. */
  public static OffsetDateTime toSql(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
  }

  /** Converts a JDBC value back to an instant. */
  public static Instant fromSql(OffsetDateTime value) {
    return value.toInstant();
  }
}
