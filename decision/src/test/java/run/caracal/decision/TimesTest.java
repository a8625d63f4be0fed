package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimesTest {
  @Test
  void parse_agreesWithInstantParse_onPrintedTimes() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(-2_000_000_000L, 8_000_000_000L), random.nextInt(1_000_000_000));
      if (i % 3 == 0) {
        t = Instant.ofEpochSecond(t.getEpochSecond(), (t.getNano() / 1_000_000) * 1_000_000);
      } else if (i % 3 == 1) {
        t = Instant.ofEpochSecond(t.getEpochSecond());
      }
      assertEquals(t, Times.parse(t.toString()), t::toString);
    }
  }

  @Test
  void parse_otherFormsGoToInstantParse() {
    assertEquals(Instant.parse("2026-12-04T05:23:10+01:00"), Times.parse("2026-12-04T05:23:10+01:00"));
    assertEquals(Instant.parse("+12026-12-04T05:23:10Z"), Times.parse("+12026-12-04T05:23:10Z"));
    assertEquals(Instant.parse("2026-12-04T24:00:00Z"), Times.parse("2026-12-04T24:00:00Z"));
    assertEquals(Instant.parse("2026-12-04T05:23:10.Z"), Times.parse("2026-12-04T05:23:10.Z"));
    for (String bad : List.of("2026-02-30T05:23:10Z",
        "2026-12-04T05:23:10.1234567890Z", "2026-1x-04T05:23:10Z", "yesterday", "2026-12-04 05:23:10Z")) {
      assertThrows(DateTimeParseException.class, () -> Times.parse(bad), bad);
    }
  }
}
