package run.caracal.cli.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Paths of the admin API, with user input encoded as path segments or query values. */
public final class AdminPaths {
  private static final String ROOT = "/admin/v1";

  private AdminPaths() {}

  public static String zones() {
    return ROOT + "/zones";
  }

  public static String zone(String zone) {
    return zones() + "/" + segment(zone);
  }

  public static String apps(String zone) {
    return zone(zone) + "/apps";
  }

  public static String app(String id) {
    return ROOT + "/apps/" + segment(id);
  }

  /** A zone's approvals (without a zone: those the caller may see), optionally in one state. */
  public static String approvals(String zone, String state) {
    return (zone == null ? ROOT : zone(zone)) + "/approvals"
        + (state == null ? "" : "?state=" + URLEncoder.encode(state, StandardCharsets.UTF_8));
  }

  public static String approval(String id) {
    return ROOT + "/approvals/" + segment(id);
  }

  /** The approvals a request opened. */
  public static String approvalsOfRequest(String requestId) {
    return ROOT + "/approvals?request_id=" + URLEncoder.encode(requestId, StandardCharsets.UTF_8);
  }

  /** Adds to a zone's approvers (POST). */
  public static String approvers(String zone) {
    return zone(zone) + "/approvers";
  }

  /** Every approver, or a zone's. */
  public static String allApprovers(String zone) {
    return ROOT + "/approvers" + (zone == null ? "" : "?zone=" + URLEncoder.encode(zone, StandardCharsets.UTF_8));
  }

  public static String approver(String zone, String name) {
    return approvers(zone) + "/" + segment(name);
  }

  public static String resources(String zone) {
    return zone(zone) + "/resources";
  }

  /** Resource ids hold `://` and `/`, so they travel as the `id` query parameter. */
  public static String resource(String zone, String id) {
    return resources(zone) + "?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  public static String policies(String zone) {
    return zone(zone) + "/policies";
  }

  public static String policy(String zone, String name, int version) {
    return policies(zone) + "?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "&version=" + version;
  }

  public static String activate(String zone) {
    return zone(zone) + "/activate";
  }

  public static String history(String zone) {
    return zone(zone) + "/history";
  }

  public static String sessions(String zone, boolean all) {
    return zone(zone) + "/sessions" + (all ? "?all=true" : "");
  }

  public static String session(String id) {
    return ROOT + "/sessions/" + segment(id);
  }

  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
