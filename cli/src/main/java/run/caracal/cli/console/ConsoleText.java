package run.caracal.cli.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.ApprovalsCommand;

/** Turns admin API answers into the console's lines of text. No secrets are ever in them. */
final class ConsoleText {
  static final String ZONE_HEADER = "NAME                  ID                              CREATED";
  static final String APP_HEADER = "NAME                  ID                              STATE     CREATED";
  static final String RESOURCE_HEADER = "RESOURCE                            SCOPES                          UPSTREAM";
  static final String APPROVAL_HEADER = "APPROVAL                        APP                   EXPIRES                      REQUEST";

  private ConsoleText() {}

  /** One row per zone of `GET /admin/v1/zones`. */
  static List<String> zoneRows(JsonNode zones) {
    List<String> rows = new ArrayList<>();
    zones.forEach(z -> rows.add(String.format("%-21s %-31s %s", z.path("name").asText(), z.path("id").asText(),
        z.path("created_at").asText())));
    return rows;
  }

  /** One row per app of `GET /admin/v1/zones/{zone}/apps`, keyed by app id. */
  static Selection appRows(JsonNode apps) {
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    apps.forEach(a -> {
      rows.add(String.format("%-21s %-31s %-9s %s", a.path("name").asText(), a.path("id").asText(),
          a.path("enabled").asBoolean(true) ? "enabled" : "disabled", a.path("created_at").asText()));
      keys.add(a.path("id").asText());
    });
    return Selection.of(rows, keys);
  }

  /** One row per resource of `GET /admin/v1/zones/{zone}/resources`, keyed by resource id. */
  static Selection resourceRows(JsonNode resources) {
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    resources.forEach(r -> {
      rows.add(String.format("%-35s %-31s %s", r.path("id").asText(), join(r.path("scopes")),
          r.path("upstream").isTextual() ? r.path("upstream").asText() : "-"));
      keys.add(r.path("id").asText());
    });
    return Selection.of(rows, keys);
  }

  /**
   * One row per approval of `GET /admin/v1/zones/{zone}/approvals?state=pending`, keyed by id:
   * who asks and what exactly (`POST /payouts (payouts:send)`, or the MCP tool and arguments).
   */
  static Selection approvalRows(JsonNode approvals) {
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    approvals.forEach(a -> {
      rows.add(String.format("%-31s %-21s %-28s %s", a.path("id").asText(), a.path("app_id").asText(),
          a.path("expires_at").asText(), ApprovalsCommand.summary(a.path("request"))));
      keys.add(a.path("id").asText());
    });
    return Selection.of(rows, keys);
  }

  /** What the approval {@code id} of {@code approvals} is for, as in its row. */
  static String approvalSummary(JsonNode approvals, String id) {
    for (JsonNode a : approvals) {
      if (a.path("id").asText().equals(id)) {
        return a.path("app_id").asText() + " " + ApprovalsCommand.summary(a.path("request"));
      }
    }
    return "";
  }

  /** Every field of an admin API object, indented JSON; the admin API never includes secrets. */
  static List<String> detail(JsonNode object) {
    try {
      return AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(object).lines().toList();
    } catch (JsonProcessingException e) {
      return List.of(object.toString());
    }
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
