package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.cli.admin.AdminClient;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.source.Position;

final class DiagnosticsTextTest {
  private static final Instant SENT = Instant.parse("2026-11-22T12:00:00Z");

  private static JsonNode json(String text) throws Exception {
    return AdminClient.JSON.readTree(text);
  }

  @Test
  void clock_serverBehindTheMidpoint_saysThisMachineIsAhead() throws Exception {
    List<String> lines = DiagnosticsText.clock(json("{\"time\":\"2026-11-22T11:59:50.010Z\"}"), SENT, SENT.plusMillis(20));

    assertEquals(List.of("clock:        WARN this machine is 10.000 s ahead of the server (round trip 20 ms)"), lines);
  }

  @Test
  void clock_withinTolerance_isOk() throws Exception {
    String line = DiagnosticsText.clock(json("{\"time\":\"2026-11-22T12:00:00.500Z\"}"), SENT, SENT.plusMillis(200)).get(0);

    assertTrue(line.startsWith("clock:        ok   this machine is 0.400 s behind the server (round trip 200 ms"), line);
  }

  @Test
  void clock_noTime_saysSo() throws Exception {
    assertEquals(List.of("clock:        the server does not report its time (an older version)"),
        DiagnosticsText.clock(json("{}"), SENT, SENT));
  }

  @Test
  void verification_reportsCountsAndFindings() throws Exception {
    JsonNode report = json("{\"ok\":false,\"chains\":2,\"events\":10,\"checkpoints\":1,"
        + "\"findings\":[{\"code\":\"hash_mismatch\",\"message\":\"event 4 of chain c1 was changed\"}]}");

    assertEquals(List.of("ledger chain: FAIL 2 chain(s), 10 event(s), 1 checkpoint(s) verified in 35 ms",
        "                   hash_mismatch: event 4 of chain c1 was changed"),
        DiagnosticsText.verification(report, Duration.ofMillis(35)));
  }

  @Test
  void lint_perZone_withVerdictAndFindings() {
    Diagnostic warning = new Diagnostic(new Position("readers@2", 10, 15), Code.UNKNOWN_SCOPE, "scope `x` is not declared");
    List<String> lines = DiagnosticsText.lint(List.of(
        new DiagnosticsText.ZoneLint("prod", "default v2", 2, List.of(warning), ""),
        new DiagnosticsText.ZoneLint("dev", "default v1", 1, List.of(), ""),
        new DiagnosticsText.ZoneLint("empty", null, 0, List.of(), "no active policy set: the zone denies everything")));

    assertEquals("policy lint:  warn zone prod, active set default v2: 2 policies, 0 error(s), 1 warning(s)", lines.get(0));
    assertEquals("                   " + warning.format(), lines.get(1));
    assertEquals("policy lint:  ok   zone dev, active set default v1: 1 policy, 0 error(s), 0 warning(s)", lines.get(2));
    assertEquals("policy lint:  zone empty: no active policy set: the zone denies everything", lines.get(3));
  }
}
