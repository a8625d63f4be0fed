package run.caracal.ledger.chain;

import java.nio.charset.StandardCharsets;
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

  /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years written without the formatter. */
  private static final long MIN_DIRECT = -62_167_219_200L;
  private static final long MAX_DIRECT = 253_402_300_800L;

  private Timestamps() {}

  /**
   * Formats an instant (truncated to microseconds). Every event's hash covers its time, so this
   * runs once per appended and per verified event: years 0000–9999 are written directly (a
   * third of a verification's time went to {@link DateTimeFormatter}); others go through it.
   */
  public static String format(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < MIN_DIRECT || seconds >= MAX_DIRECT) {
      return FORMAT.format(instant.truncatedTo(ChronoUnit.MICROS));
    }
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // days since 1970-01-01 to a proleptic Gregorian date, by 400-year eras (H. Hinnant's civil_from_days)
    long z = days + 719_468L;
    long era = Math.floorDiv(z, 146_097L);
    long dayOfEra = z - era * 146_097L;
    long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    byte[] out = new byte[27];
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3_600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    out[19] = '.';
    digits(out, 20, instant.getNano() / 1_000, 6);
    out[26] = 'Z';
    return new String(out, StandardCharsets.US_ASCII);
  }

  private static void digits(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
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
