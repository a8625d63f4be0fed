package run.caracal.ledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  /** The canonical format as the JDK writes it: what every stored hash was computed over. */
  private static final DateTimeFormatter JDK =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static void same(Instant t) {
    assertEquals(JDK.format(t.truncatedTo(ChronoUnit.MICROS)), Timestamps.format(t), t::toString);
  }

  @Test
  void writesWhatTheJdkFormatterWrites_atTheEdges() {
    for (String s : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2000-02-29T12:00:00.5Z",
        "2100-02-28T23:59:59Z", "2100-03-01T00:00:00Z", "2026-12-06T02:30:00.123456789Z", "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z", "1600-03-01T00:00:00Z", "1899-12-31T23:59:59.000001Z"}) {
      same(Instant.parse(s));
    }
    same(Instant.parse("+10000-01-01T00:00:00Z")); // past the direct range: the JDK's own text
    same(Instant.parse("-0001-12-31T23:59:59Z"));
  }

  @Test
  void writesWhatTheJdkFormatterWrites_forRandomInstants() {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      same(Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000)));
    }
    long now = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
    for (int i = 0; i < 100_000; i++) { // every day and second of a few years around now
      same(Instant.ofEpochSecond(now + random.nextLong(-3L * 365 * 86_400, 3L * 365 * 86_400), random.nextInt(1_000_000_000)));
    }
  }
}
