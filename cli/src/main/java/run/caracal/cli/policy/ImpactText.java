package run.caracal.cli.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import run.caracal.decision.ImpactReport;
import run.caracal.decision.Replay.Change;
import run.caracal.decision.Replay.Replayed;

/** An {@link ImpactReport} for people (text) and for CI (JUnit XML). */
public final class ImpactText {
  private ImpactText() {}

  /** The report as `policy simulate` prints it. */
  public static List<String> text(ImpactReport r, String zone, Instant from, Instant to) {
    List<String> out = new ArrayList<>();
    out.add("zone " + zone + ", " + from + " .. " + to + ": " + r.total() + " recorded decision(s) replayed"
        + (r.notReplayable() > 0 ? ", " + r.notReplayable() + " not replayable (refused before the engine, or recorded without input)" : ""));
    out.add("  unchanged      " + r.count(Change.UNCHANGED));
    out.add("  allow -> deny  " + r.count(Change.ALLOW_TO_DENY));
    out.add("  deny -> allow  " + r.count(Change.DENY_TO_ALLOW));
    if (r.count(Change.ALLOW_TO_APPROVAL) + r.count(Change.APPROVAL_TO_ALLOW) + r.count(Change.DENY_TO_APPROVAL)
        + r.count(Change.APPROVAL_TO_DENY) > 0) {
      out.add("  allow -> approval_required  " + r.count(Change.ALLOW_TO_APPROVAL));
      out.add("  approval_required -> allow  " + r.count(Change.APPROVAL_TO_ALLOW));
      out.add("  deny -> approval_required   " + r.count(Change.DENY_TO_APPROVAL));
      out.add("  approval_required -> deny   " + r.count(Change.APPROVAL_TO_DENY));
    }
    out.add("  indeterminate  " + r.count(Change.INDETERMINATE) + (r.count(Change.INDETERMINATE) > 0
        ? "  (the candidate reads a value that was masked when recorded)" : ""));
    group(out, "by rule", r.byRule());
    group(out, "by app", r.byApp());
    group(out, "by resource", r.byResource());
    if (!r.changed()) {
      out.add("no recorded decision would change");
    }
    return out;
  }

  private static void group(List<String> out, String title, Map<String, ImpactReport.Group> groups) {
    if (groups.isEmpty()) {
      return;
    }
    out.add(title + ":");
    groups.forEach((name, g) -> out.add("  " + name + ": " + (g.total()) + " change(s)"
        + (g.allowToDeny() > 0 ? ", " + g.allowToDeny() + " allow -> deny" : "")
        + (g.denyToAllow() > 0 ? ", " + g.denyToAllow() + " deny -> allow" : "")
        + approvalCounts(g)
        + " (e.g. " + String.join(", ", g.samples()) + ")"));
  }

  private static String approvalCounts(ImpactReport.Group g) {
    StringBuilder out = new StringBuilder();
    for (Change c : List.of(Change.ALLOW_TO_APPROVAL, Change.APPROVAL_TO_ALLOW, Change.DENY_TO_APPROVAL, Change.APPROVAL_TO_DENY)) {
      if (g.count(c) > 0) {
        out.append(", ").append(g.count(c)).append(' ').append(c.id().replace("_to_", " -> ").replace("approval", "approval_required"));
      }
    }
    return out.toString();
  }

  /** One test case per listed change (a failure) and one for the unchanged decisions. */
  static String junit(ImpactReport r) {
    List<Replayed> changes = r.changes();
    StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.append("<testsuite name=\"caracal policy simulate\" tests=\"").append(changes.size() + 1).append("\" failures=\"")
        .append(changes.size()).append("\">\n");
    x.append("  <testcase classname=\"simulate\" name=\"").append(r.count(Change.UNCHANGED)).append(" unchanged decision(s)\"/>\n");
    for (Replayed c : changes) {
      String name = c.record().requestId() + " " + c.record().app().map(a -> a.id()).orElse("-") + " " + c.record().resource();
      String message = c.change() == Change.INDETERMINATE ? "indeterminate: the candidate reads a masked value"
          : c.recorded().verdict().id() + " -> " + c.candidate().verdict().id() + " by "
              + String.join(", ", c.rules().isEmpty() ? List.of(ImpactReport.NO_GRANT)
                  : c.rules().stream().map(rule -> rule.policy() + "@" + rule.version() + "/" + rule.rule()).distinct().toList());
      x.append("  <testcase classname=\"simulate.").append(escape(c.record().phase().id())).append("\" name=\"").append(escape(name))
          .append("\">\n    <failure message=\"").append(escape(message)).append("\"/>\n  </testcase>\n");
    }
    return x.append("</testsuite>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
