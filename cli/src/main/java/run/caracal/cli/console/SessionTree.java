package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sessions of a zone as a delegation tree: each session under its {@code parent_session_id},
 * roots (no parent, or a parent not in the list) in list order. The view model of the sessions view.
 */
final class SessionTree {
  static final String HEADER = "SESSION                                     STATE       APP                               SCOPES";

  private SessionTree() {}

  /** Rows and keys (session ids) in tree order: children right below their parent, indented. */
  static Selection rows(JsonNode sessions, Instant now) {
    Map<String, JsonNode> byId = new LinkedHashMap<>();
    sessions.forEach(s -> byId.put(s.path("session_id").asText(), s));
    Map<String, List<JsonNode>> children = new LinkedHashMap<>();
    List<JsonNode> roots = new ArrayList<>();
    sessions.forEach(s -> {
      String parent = s.path("parent_session_id").isTextual() ? s.path("parent_session_id").asText() : "";
      if (parent.isEmpty() || !byId.containsKey(parent)) {
        roots.add(s);
      } else {
        children.computeIfAbsent(parent, p -> new ArrayList<>()).add(s);
      }
    });
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    roots.forEach(r -> add(r, 0, children, now, rows, keys));
    sessions.forEach(s -> add(s, 0, children, now, rows, keys)); // in a parent cycle nothing is a root
    return Selection.of(rows, keys);
  }

  private static void add(JsonNode s, int depth, Map<String, List<JsonNode>> children, Instant now,
      List<String> rows, List<String> keys) {
    String id = s.path("session_id").asText();
    if (keys.contains(id)) {
      return;
    }
    String name = "  ".repeat(depth) + (depth > 0 ? "└ " : "") + id;
    rows.add(String.format("%-43s %-11s %-33s %s", name, state(s, now), s.path("application_id").asText(), scopes(s)));
    keys.add(id);
    children.getOrDefault(id, List.of()).forEach(c -> add(c, depth + 1, children, now, rows, keys));
  }

  /** live, terminated or expired. */
  static String state(JsonNode s, Instant now) {
    if (s.path("terminated_at").isTextual()) {
      return "terminated";
    }
    try {
      if (s.path("expires_at").isTextual() && !Instant.parse(s.path("expires_at").asText()).isAfter(now)) {
        return "expired";
      }
    } catch (DateTimeParseException e) {
      return "live";
    }
    return "live";
  }

  private static String scopes(JsonNode s) {
    List<String> parts = new ArrayList<>();
    s.path("scopes").forEach(v -> parts.add(v.asText()));
    return parts.isEmpty() ? "-" : String.join(",", parts);
  }
}
