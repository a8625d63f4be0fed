package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.decision.DecisionRecord;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.Phase;

/**
 * Ledger events as a table for people, one line per event: time, type, decision, app,
 * resource, request id and a short summary of the explanation. Used by `trace` and `audit list`.
 */
final class EventTable {
  private static final List<String> HEADERS = List.of("TIME", "TYPE", "DECISION", "APP", "RESOURCE", "REQUEST", "SUMMARY");
  private static final int MAX_SUMMARY = 120;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private EventTable() {}

  static List<String> render(List<JsonNode> events) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADERS);
    for (JsonNode e : events) {
      rows.add(List.of(time(e.path("occurred_at").asText("")), text(e, "type"), text(e, "decision"), text(e, "app"),
          text(e, "resource"), text(e, "request_id"), summary(e)));
    }
    int[] widths = new int[HEADERS.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> out = new ArrayList<>();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        line.append(i == widths.length - 1 ? row.get(i) : String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
      }
      out.add(line.toString().stripTrailing());
    }
    return out;
  }

  /** A few words about what the event says. */
  static String summary(JsonNode event) {
    JsonNode x = event.path("explanation");
    String type = event.path("type").asText("");
    String s = switch (type) {
      case "authorization", "gateway.decision" -> decision(event);
      case "gateway.result" -> ExplainText.result(event);
      case "session.opened" -> "session " + x.path("session").asText(event.path("session_id").asText("?"))
          + (x.path("parent").isTextual() ? " delegated from " + x.path("parent").asText() : " opened")
          + " (depth " + x.path("depth").asText("0") + ")";
      case "session.terminated" -> "ended " + x.path("ended").size() + " session(s)";
      case "policyset.shadow_disagreement" -> "shadow decides " + x.at("/shadow/decision").asText("?")
          + ", active " + x.path("active").asText("?");
      default -> generic(x);
    };
    return s.length() > MAX_SUMMARY ? s.substring(0, MAX_SUMMARY - 3) + "..." : s;
  }

  private static String decision(JsonNode event) {
    Optional<DecisionRecord> record = RequestReport.read(event);
    if (record.isEmpty()) {
      return generic(event.path("explanation"));
    }
    DecisionRecord r = record.get();
    StringBuilder sb = new StringBuilder();
    String call = (r.call().method() + " " + r.call().path()).trim();
    if (!call.isEmpty()) {
      sb.append(call).append(" ");
    }
    // the answer's status: always at the Gateway; at the STS when it refused before the engine
    r.refusal().filter(f -> r.phase() == Phase.REQUEST || r.decision().isEmpty())
        .ifPresent(f -> sb.append("-> ").append(f.status()).append(" "));
    Optional<Decision> d = r.decision();
    if (d.isPresent() && !d.get().requested().isEmpty()) {
      sb.append("scopes ").append(String.join(",", d.get().requested()));
    }
    if (d.isPresent() && !d.get().granted().isEmpty() && r.allowed()) {
      sb.append(" granted ").append(String.join(",", d.get().granted()));
    }
    List<String> reasons = new ArrayList<>();
    d.ifPresent(x -> x.reasons().forEach(c -> reasons.add(c.id())));
    r.refusal().filter(f -> !reasons.contains(f.reason())).ifPresent(f -> reasons.add(f.reason()));
    if (r.shadowDisagrees()) {
      reasons.add("shadow decides " + r.shadow().get().verdict().id());
    }
    String head = sb.toString().strip();
    return reasons.isEmpty() ? head : head + ": " + String.join(", ", reasons);
  }

  private static String generic(JsonNode x) {
    if (!x.isObject()) {
      return x.isMissingNode() || x.isNull() ? "" : x.asText();
    }
    List<String> parts = new ArrayList<>();
    x.fields().forEachRemaining(f -> {
      if (f.getValue().isValueNode()) {
        parts.add(f.getKey() + "=" + f.getValue().asText());
      } else if (f.getValue().isArray()) {
        parts.add(f.getKey() + "=" + join(f.getValue()));
      }
    });
    return String.join(" ", parts);
  }

  private static String join(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.isValueNode() ? v.asText() : AuditJson.compact(v)));
    return out.isEmpty() ? "-" : String.join(",", out);
  }

  private static String text(JsonNode e, String field) {
    String v = e.path(field).asText("");
    return v.isEmpty() ? "-" : v;
  }

  private static String time(String iso) {
    try {
      return TIME.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso.isEmpty() ? "-" : iso;
    }
  }
}
