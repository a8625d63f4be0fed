package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import run.caracal.policy.diag.Diagnostic;

/**
 * The diagnostics view's extras beyond `caracal status --ready`: the clock skew between this
 * machine and the server, the ledger's chain verification, and the lint state of each zone's
 * active policy set.
 */
final class DiagnosticsText {
  /** Skew beyond this makes token lifetimes and `--since` filters misleading. */
  static final Duration SKEW_WARNING = Duration.ofSeconds(5);

  /** The lint findings of one zone's active set, or why it has none. */
  record ZoneLint(String zone, String set, int policies, List<Diagnostic> findings, String note) {}

  private DiagnosticsText() {}

  /**
   * The skew from the server's `time` read between {@code sent} and {@code received}: positive
   * when this machine's clock is ahead of the server's, assuming the server read its clock
   * half-way through the round trip.
   */
  static List<String> clock(JsonNode status, Instant sent, Instant received) {
    if (!status.path("time").isTextual()) {
      return List.of("clock:        the server does not report its time (an older version)");
    }
    Instant server;
    try {
      server = Instant.parse(status.path("time").asText());
    } catch (DateTimeParseException e) {
      return List.of("clock:        the server's time `" + status.path("time").asText() + "` is not ISO-8601");
    }
    Duration roundTrip = Duration.between(sent, received);
    Instant midpoint = sent.plus(roundTrip.dividedBy(2));
    Duration skew = Duration.between(server, midpoint);
    String direction = skew.isNegative() ? "behind" : "ahead of";
    String verdict = skew.abs().compareTo(SKEW_WARNING) > 0 ? "WARN" : "ok";
    return List.of(String.format(Locale.ROOT, "clock:        %-4s this machine is %.3f s %s the server (round trip %d ms)",
        verdict, skew.abs().toNanos() / 1e9, direction, roundTrip.toMillis()));
  }

  /** The result of `GET /admin/v1/ledger/verify`. */
  static List<String> verification(JsonNode report, Duration took) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "ledger chain: %-4s %d chain(s), %d event(s), %d checkpoint(s) verified in %d ms",
        report.path("ok").asBoolean(false) ? "ok" : "FAIL", report.path("chains").asLong(), report.path("events").asLong(),
        report.path("checkpoints").asLong(), took.toMillis()));
    int shown = 0;
    for (JsonNode f : report.path("findings")) {
      if (shown++ == 10) {
        out.add("                   ... " + (report.path("findings").size() - 10) + " more: run `caracal audit verify`");
        break;
      }
      out.add("                   " + f.path("code").asText() + ": " + f.path("message").asText(f.toString()));
    }
    return out;
  }

  /** One line per zone with its active set's lint state, findings indented below. */
  static List<String> lint(List<ZoneLint> zones) {
    List<String> out = new ArrayList<>();
    if (zones.isEmpty()) {
      out.add("policy lint:  no zones yet");
    }
    for (ZoneLint z : zones) {
      if (z.set() == null) {
        out.add("policy lint:  zone " + z.zone() + ": " + z.note());
        continue;
      }
      long errors = z.findings().stream().filter(Diagnostic::isError).count();
      long warnings = z.findings().size() - errors;
      String verdict = errors > 0 ? "FAIL" : warnings > 0 ? "warn" : "ok";
      out.add(String.format(Locale.ROOT, "policy lint:  %-4s zone %s, active set %s: %d polic%s, %d error(s), %d warning(s)", verdict,
          z.zone(), z.set(), z.policies(), z.policies() == 1 ? "y" : "ies", errors, warnings));
      z.findings().stream().limit(10).forEach(d -> out.add("                   " + d.format()));
    }
    return out;
  }
}
