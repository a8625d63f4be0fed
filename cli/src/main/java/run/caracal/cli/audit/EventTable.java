package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

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
      case "authorization", "gateway.decision" -> decision(x);
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

  private static String decision(JsonNode x) {
    JsonNode d = x.path("decision");
    StringBuilder sb = new StringBuilder();
    String call = ExplainText.call(x);
    if (!call.isEmpty()) {
      sb.append(call).append(" ");
    }
    if (x.has("status")) {
      sb.append("-> ").append(x.path("status").asText()).append(" ");
    }
    if (d.at("/scopes/requested").size() > 0) {
      sb.append("scopes ").append(join(d.at("/scopes/requested")));
    }
    if (d.at("/scopes/granted").size() > 0 && !d.path("decision").asText().equals("deny")) {
      sb.append(" granted ").append(join(d.at("/scopes/granted")));
    }
    List<String> reasons = new ArrayList<>();
    d.path("reasons").forEach(r -> reasons.add(r.asText()));
    if (x.path("reason").isTextual() && !reasons.contains(x.path("reason").asText())) {
      reasons.add(x.path("reason").asText());
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
