package run.caracal.decision;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * Reads the UTC times records hold. Records write {@code 2026-12-04T05:23:10.484Z} (what
 * {@link Instant#toString} prints); those are read without {@code DateTimeFormatter}, which
 * was a tenth of a replay's time, and anything else goes to {@link Instant#parse}.
 */
public final class Times {
  private Times() {}

  /**
   * The instant {@code text} names.
   *
   * @throws DateTimeParseException when it names none
   */
  public static Instant parse(String text) {
    int n = text.length();
    if (n < 20 || n > 30 || text.charAt(n - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
        || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
      return Instant.parse(text);
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 7);
    int day = digits(text, 8, 10);
    int hour = digits(text, 11, 13);
    int minute = digits(text, 14, 16);
    int second = digits(text, 17, 19);
    int nanos = 0;
    if (n > 20) {
      int fraction = n - 1 - 20;
      if (text.charAt(19) != '.' || fraction < 1 || fraction > 9) {
        return Instant.parse(text);
      }
      nanos = digits(text, 20, n - 1);
      for (int i = fraction; i < 9; i++) {
        nanos *= 10;
      }
    }
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
        || second > 59 || nanos < 0) {
      return Instant.parse(text); // not a plain time: Instant.parse reads it or says why
    }
    long days;
    try {
      days = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return Instant.parse(text); // no such date: Instant.parse says so
    }
    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
  }

  /** The decimal number in {@code text[from, to)}, or -1 when a character is not a digit. */
  private static int digits(String text, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
