package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Turns admin API answers into the console's lines of text. No secrets are ever in them. */
final class ConsoleText {
  static final String ZONE_HEADER = "NAME                  ID                              CREATED";

  private ConsoleText() {}

  /** One row per zone of `GET /admin/v1/zones`. */
  static List<String> zoneRows(JsonNode zones) {
    List<String> rows = new ArrayList<>();
    zones.forEach(z -> rows.add(String.format("%-21s %-31s %s", z.path("name").asText(), z.path("id").asText(),
        z.path("created_at").asText())));
    return rows;
  }

  /** The zone's detail: its active and shadow policy sets, applications and resources. */
  static List<String> zoneDetail(JsonNode zone, JsonNode apps, JsonNode resources) {
    List<String> out = new ArrayList<>();
    out.add("zone:        " + zone.path("name").asText() + " (" + zone.path("id").asText() + ")");
    out.add("created:     " + zone.path("created_at").asText());
    out.add("policy set:  " + activation(zone.path("active_policy_set"), "none active: the zone denies everything"));
    out.add("shadow:      " + activation(zone.path("shadow_policy_set"), "none"));
    out.add("");
    out.add("applications (" + apps.size() + ")");
    apps.forEach(a -> out.add("  " + a.path("name").asText() + "  " + a.path("id").asText()
        + (a.path("enabled").asBoolean(true) ? "" : "  (disabled)")));
    out.add("");
    out.add("resources (" + resources.size() + ")");
    resources.forEach(r -> out.add("  " + r.path("id").asText() + "  scopes " + join(r.path("scopes"))
        + (r.path("upstream").isTextual() ? "  upstream " + r.path("upstream").asText() : "")));
    return out;
  }

  /** What `GET /admin/v1/status` says, one component a line. */
  static List<String> status(JsonNode status) {
    List<String> out = new ArrayList<>();
    out.add("ready:        " + (status.path("ready").asBoolean(false) ? "yes" : "no"));
    out.add("");
    status.path("components").fields().forEachRemaining(c -> {
      JsonNode part = c.getValue();
      out.add(String.format("%-13s %-4s %s", c.getKey() + ":", part.path("ready").asBoolean(false) ? "ok" : "FAIL",
          part.path("detail").asText("")));
      part.path("zones").forEach(z -> out.add("                   zone " + z.path("zone").asText() + ": "
          + (z.path("policy_set").isTextual() ? z.path("policy_set").asText() + " v" + z.path("version").asText()
          : z.path("note").asText())));
    });
    return out;
  }

  private static String activation(JsonNode a, String none) {
    if (!a.isObject() || !a.path("policy_set").isTextual()) {
      return none;
    }
    return a.path("policy_set").asText() + " v" + a.path("version").asText() + " (activated " + a.path("activated_at").asText() + ")";
  }

  private static String join(JsonNode array) {
    List<String> parts = new ArrayList<>();
    array.forEach(v -> parts.add(v.asText()));
    return String.join(",", parts);
  }
}
