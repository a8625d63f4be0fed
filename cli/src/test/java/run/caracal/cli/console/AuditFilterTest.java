package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

final class AuditFilterTest {
  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  @Test
  void parse_termsBecomeQueryParameters_sinceRelativeToNow() {
    AuditFilter f = AuditFilter.parse(" decision=DENY  app=app_1 since=15m resource=resource://billing-api ", NOW);

    assertEquals("&decision=deny&app=app_1&resource=resource%3A%2F%2Fbilling-api&from=2026-11-22T11%3A45%3A00Z", f.query(NOW));
    assertEquals("&decision=deny&app=app_1&resource=resource%3A%2F%2Fbilling-api&from=2026-11-22T11%3A46%3A00Z",
        f.query(NOW.plusSeconds(60)), "a relative since moves with the refresh");
    assertEquals("decision=deny app=app_1 resource=resource://billing-api since=15m", f.text());
  }

  @Test
  void parse_repeatedTypes_join() {
    AuditFilter f = AuditFilter.parse("type=gateway.* type=authorization", NOW);

    assertEquals("&type=gateway.*%2Cauthorization", f.query(NOW));
  }

  @Test
  void parse_blank_isNoFilter() {
    assertTrue(AuditFilter.parse("   ", NOW).isEmpty());
    assertEquals("", AuditFilter.parse("", NOW).query(NOW));
  }

  @Test
  void parse_badInput_namesTheProblem() {
    assertEquals("`deny` is not key=value; keys: decision, type, app, resource, zone, since",
        assertThrows(IllegalArgumentException.class, () -> AuditFilter.parse("deny", NOW)).getMessage());
    assertEquals("unknown filter `user`; keys: decision, type, app, resource, zone, since",
        assertThrows(IllegalArgumentException.class, () -> AuditFilter.parse("user=x", NOW)).getMessage());
    assertEquals("decision is allow, deny or none",
        assertThrows(IllegalArgumentException.class, () -> AuditFilter.parse("decision=maybe", NOW)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> AuditFilter.parse("since=yesterday", NOW));
    assertThrows(IllegalArgumentException.class, () -> AuditFilter.parse("app=", NOW));
  }
}
