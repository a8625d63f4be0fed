package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import run.caracal.decision.DecisionRecord;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.EvaluationError;
import run.caracal.engine.decision.RequiredApproval;

/**
 * Renders a {@link RequestReport} for people: aligned `name: value` lines, ending with the
 * reasons in plain words and the `fix:` line. Session ancestry comes from {@code sessions}
 * (the control plane's session records), and is left out when they are gone.
 */
final class ExplainText {
  private static final int MAX_CHAIN = 16;
  private final RequestReport report;
  private final Function<String, Optional<JsonNode>> sessions;
  private final Function<String, Optional<JsonNode>> zones;
  private final ApprovalLookup approvals;
  private final Map<String, List<String>> lines = new LinkedHashMap<>();

  /**
   * @param sessions the control plane's session record by id (`parent_session_id`, `application_id`)
   * @param zones the control plane's zone by id (`name`)
   */
  ExplainText(RequestReport report, Function<String, Optional<JsonNode>> sessions,
      Function<String, Optional<JsonNode>> zones) {
    this(report, sessions, zones, ApprovalLookup.NONE);
  }

  /** @param approvals the control plane's approvals: the one this request used, or the one it opened */
  ExplainText(RequestReport report, Function<String, Optional<JsonNode>> sessions,
      Function<String, Optional<JsonNode>> zones, ApprovalLookup approvals) {
    this.report = report;
    this.sessions = sessions;
    this.zones = zones;
    this.approvals = approvals;
  }

  /**
   * The approval of a request, as the admin API shows it: the one its recorded input names
   * (`context.approval_id`: the request went through with it), else the one it opened when held.
   */
  static Optional<JsonNode> approvalOf(RequestReport report, ApprovalLookup approvals) {
    if (report.decision().map(d -> d.approvals().isEmpty()).orElse(true)) {
      return Optional.empty();
    }
    String used = usedApprovalId(report);
    return used.isEmpty() ? approvals.openedBy(report.requestId()) : approvals.byId(used);
  }

  private static String usedApprovalId(RequestReport report) {
    return report.record().flatMap(DecisionRecord::input).map(i -> i.toDecisionInput().context().getApprovalId()).orElse("");
  }

  /** The lines to print. */
  List<String> render() {
    JsonNode first = report.decisionEvent().orElse(report.events().get(0));
    put("request", report.requestId());
    put("time", first.path("occurred_at").asText());
    put("trace", first.path("trace_id").asText("-"));
    if (report.decisionEvent().isEmpty()) {
      put("events", report.events().stream().map(e -> e.path("type").asText()).toList());
      put("decision", "none recorded (this request made no access decision)");
      put("fix", "nothing to explain: no authorization or gateway.decision event has this request id");
      return format();
    }
    Optional<Decision> d = report.decision();
    String zoneName = report.zone().isEmpty() ? "" : zones.apply(report.zone()).map(z -> z.path("name").asText("")).orElse("");
    put("zone", report.zone() + (zoneName.isEmpty() ? "" : " (" + zoneName + ")"));
    put("application", report.appId() + (report.appName().isEmpty() ? "" : " (" + report.appName() + ")"));
    session();
    put("resource", report.resource());
    mcp();
    report.issue().ifPresent(e -> put("token", "issued by request " + e.path("request_id").asText("?") + " at "
        + e.path("occurred_at").asText("?") + " (authorization " + e.path("decision").asText() + ")"));
    put("requested", scopes(d.map(Decision::requested).orElseGet(this::attemptedScopes)));
    boolean denied = d.map(x -> !x.allowed()).orElse(true) || !report.finalDecision().equals("allow");
    List<String> granted = d.map(Decision::granted).orElse(List.of());
    put("granted", denied && !granted.isEmpty()
        // a request is all or nothing: on a deny the engine still reports which scopes alone would pass
        ? "none (all or nothing; alone, policy would allow " + scopes(granted) + ")"
        : denied ? "none" : scopes(granted));
    rules(d);
    approval(d);
    put("policy set", d.map(x -> x.policySet().isNone() ? "none active in this zone"
        : x.policySet().name() + " v" + x.policySet().version() + " (sha256 " + x.policySet().sha256() + ")")
        .orElse("not evaluated (no policy decision was recorded)"));
    gateway();
    List<String> errors = d.map(x -> x.errors().stream().map(EvaluationError::toString).toList()).orElse(List.of());
    if (!errors.isEmpty()) {
      put("errors", errors);
    }
    Optional<Decision> shadow = report.record().flatMap(DecisionRecord::shadow);
    if (shadow.isPresent()) {
      put("shadow", "the shadow policy set " + shadow.get().policySet().name() + " v" + shadow.get().policySet().version()
          + " decides " + shadow.get().verdict().id() + (report.record().get().shadowDisagrees() ? " (disagrees)" : " (agrees)"));
    } else {
      report.events().stream().filter(e -> e.path("type").asText().equals("policyset.shadow_disagreement")).findFirst()
          .ifPresent(e -> put("shadow", "the shadow policy set decides "
              + e.at("/explanation/shadow/decision").asText("differently") + " (active: " + e.at("/explanation/active").asText() + ")"));
    }
    put("decision", report.finalDecision() + (d.map(Decision::approvalRequired).orElse(false)
        ? " (approval_required: the policy holds the request for a person's approval)" : ""));
    List<String> reasons = report.reasons().stream().map(r -> r + ": " + Reasons.describe(r)).toList();
    put("reasons", reasons.isEmpty() ? List.of("none recorded") : reasons);
    put("fix", FixHint.of(report));
    return format();
  }

  /** The MCP message of an MCP request, from its recorded input: method, tool/prompt/uri, arguments (as recorded, masked), client. */
  private void mcp() {
    JsonNode mcp = report.record().flatMap(DecisionRecord::input).map(i -> i.tree().path("request").path("mcp"))
        .filter(JsonNode::isObject).orElse(null);
    if (mcp == null) {
      return;
    }
    String method = mcp.path("method").asText("");
    String target = mcp.path("tool").asText(mcp.path("prompt").asText(mcp.path("uri").asText("")));
    String line = (method.isEmpty() ? "(no message: " + report.record().get().call().method() + " stream)" : method)
        + (target.isEmpty() ? "" : " " + target);
    if (mcp.path("arguments").isObject() && mcp.path("arguments").size() > 0) {
      line += " " + mcp.path("arguments");
    }
    List<String> details = new ArrayList<>();
    if (!mcp.path("client").path("name").asText("").isEmpty()) {
      details.add("client " + mcp.path("client").path("name").asText() + " " + mcp.path("client").path("version").asText(""));
    }
    if (!mcp.path("protocol_version").asText("").isEmpty()) {
      details.add("revision " + mcp.path("protocol_version").asText());
    }
    put("mcp", (line + (details.isEmpty() ? "" : " (" + String.join(", ", details).replace(" )", ")") + ")")).trim());
    List<String> masked = report.record().get().input().get().masked().stream().filter(p -> p.startsWith("request.mcp.")).toList();
    if (!masked.isEmpty()) {
      put("masked", masked);
    }
  }

  private void session() {
    Optional<DecisionRecord.SessionRef> s = report.session();
    String id = report.sessionId();
    if (id.isEmpty()) {
      put("session", "none recorded");
      return;
    }
    boolean known = s.isPresent() && !s.get().root().isEmpty();
    Optional<JsonNode> record = known ? Optional.empty() : sessions.apply(id);
    boolean oneShot = known ? s.get().oneShot() : record.map(r -> r.path("one_shot").asBoolean(false)).orElse(false);
    if (oneShot) {
      put("session", id + " (one-shot, client_credentials)");
      put("delegation", "none (one-shot session)");
      return;
    }
    if (!known && record.isEmpty()) {
      put("session", id);
      put("delegation", "unknown (the session is no longer on record)");
      return;
    }
    int depth = known ? s.get().depth() : record.get().path("depth").asInt(0);
    String root = known ? s.get().root() : record.map(r -> r.path("root_session_id").asText("?")).orElse("?");
    put("session", id + " (depth " + depth + (depth > 0 ? ", root " + root : "") + ")");
    put("delegation", depth == 0 ? "none (root session)" : chain(id) + ", depth " + depth);
  }

  /** `ses_root (app) -> ... -> ses_this (app)`, from the control plane's session records. */
  private String chain(String sessionId) {
    List<String> hops = new ArrayList<>();
    String current = sessionId;
    while (current != null && hops.size() < MAX_CHAIN) {
      Optional<JsonNode> s = sessions.apply(current);
      if (s.isEmpty()) {
        hops.add(0, current + (hops.isEmpty() ? "" : " (ancestors no longer on record)"));
        break;
      }
      hops.add(0, current + " (" + s.get().path("application_id").asText("?") + ")");
      JsonNode parent = s.get().path("parent_session_id");
      current = parent.isTextual() && !parent.asText().isEmpty() ? parent.asText() : null;
    }
    return String.join(" -> ", hops);
  }

  private void rules(Optional<Decision> decision) {
    if (decision.isEmpty()) {
      put("rules", "none (no policy decision was recorded)");
      return;
    }
    Decision d = decision.get();
    List<String> rules = d.rules().stream().map(r -> r.effect().id() + " " + ruleName(r.policy(), r.version(), r.rule())
        + (r.scope().isEmpty() ? "" : " (scope " + r.scope() + ")")).toList();
    if (!rules.isEmpty()) {
      put("rules", rules);
      return;
    }
    List<String> evaluated = d.evaluated().stream().map(r -> r.effect().id() + " " + ruleName(r.policy(), r.version(), r.rule())
        + ": " + r.outcome().id() + r.error().map(e -> " (" + e + ")").orElse("")).toList();
    put("rules", "none determined the decision");
    if (!evaluated.isEmpty()) {
      put("evaluated", evaluated);
    }
  }

  /** What a require_approval rule asked for, and whether an approval satisfied it. */
  private void approval(Optional<Decision> decision) {
    if (decision.isEmpty() || decision.get().approvals().isEmpty()) {
      return;
    }
    Decision d = decision.get();
    String approvalId = usedApprovalId(report);
    List<String> lines = new ArrayList<>();
    for (RequiredApproval a : d.approvals()) {
      lines.add(ruleName(a.policy(), a.version(), a.rule()) + ": ttl " + a.approval().ttl().toString().substring(2).toLowerCase(Locale.ROOT)
          + ", reuse " + a.approval().reuse().id() + ", approvers "
          + (a.approval().anyApprover() ? "any" : String.join(", ", a.approval().approvers())));
    }
    lines.add(d.allowed() ? "satisfied by approval " + (approvalId.isEmpty() ? "(id not recorded)" : approvalId)
        : "required: the request waits for a person's approval");
    Optional<JsonNode> approval = approvalOf(report, approvals);
    if (approval.isPresent()) {
      lines.add(answer(approval.get()));
    } else if (!d.allowed() && approvals != ApprovalLookup.NONE) {
      lines.add("its approval was opened by an earlier identical request (`caracal approvals list --zone "
          + (report.zone().isEmpty() ? "ZONE" : report.zone()) + "`)");
    }
    put("approval", lines);
  }

  /** `apr_… used: approved by approver:alice at T ("comment")`, or what it still waits for. */
  static String answer(JsonNode a) {
    String id = a.path("id").asText("?");
    String state = a.path("state").asText("?");
    String decidedBy = a.path("decided_by").asText("");
    if (decidedBy.isEmpty() || a.path("decided_by").isNull()) {
      return id + " " + state + (state.equals("pending") ? ": no one has answered yet (`caracal approvals approve " + id + "`)"
          : ": no one answered");
    }
    boolean denied = state.equals("denied");
    String comment = a.path("comment").isTextual() ? ", comment \"" + a.path("comment").asText() + "\"" : "";
    return id + " " + state + ": " + (denied ? "denied" : "approved") + " by " + decidedBy + " at " + a.path("decided_at").asText("?")
        + comment;
  }

  static String ruleName(String policy, int version, String rule) {
    return policy + " v" + version + " rule " + rule;
  }

  /** The scopes a request refused before the engine asked for, from its recorded input. */
  private List<String> attemptedScopes() {
    return report.record().flatMap(DecisionRecord::input).map(i -> {
      List<String> out = new ArrayList<>();
      i.tree().at("/request/scopes").forEach(s -> out.add(s.asText()));
      return out;
    }).orElse(List.of());
  }

  private void gateway() {
    if (report.gatewayDecision().isEmpty()) {
      put("gateway", "not called (no gateway.decision event: this request was decided by the STS)");
    } else {
      JsonNode g = report.gatewayDecision().get();
      Optional<DecisionRecord> r = RequestReport.read(g);
      String call = r.map(x -> (x.call().method() + " " + x.call().path()).trim()).orElse("");
      String refusal = r.flatMap(DecisionRecord::refusal).map(f -> " -> " + f.status() + " " + f.reason()).orElse("");
      put("gateway", (g.path("decision").asText() + (call.isEmpty() ? "" : " " + call) + refusal).trim());
    }
    put("upstream", report.gatewayResult().map(ExplainText::result).orElse("none (the request was not forwarded)"));
  }

  /** A `gateway.result` in a few words: statuses, bytes, latency, outcome, upstream. */
  static String result(JsonNode event) {
    JsonNode x = event.path("explanation");
    List<String> parts = new ArrayList<>();
    if (x.path("upstream_status").asInt(0) > 0) {
      parts.add("upstream status " + x.path("upstream_status").asText());
    }
    if (x.has("status")) {
      parts.add("gateway " + x.path("status").asText());
    }
    if (x.has("bytes")) {
      parts.add(x.path("bytes").asText() + " bytes");
    }
    if (x.has("bytes_in") || x.has("bytes_out")) {
      parts.add(x.path("bytes_in").asLong(0) + " bytes in, " + x.path("bytes_out").asLong(0) + " bytes out");
    }
    if (x.has("latency_ms")) {
      double ms = x.path("latency_ms").asDouble();
      parts.add((ms == Math.rint(ms) ? String.valueOf((long) ms) : String.format(Locale.ROOT, "%.1f", ms)) + " ms");
    }
    for (String field : List.of("outcome", "reason")) {
      if (x.path(field).isTextual()) {
        parts.add(x.path(field).asText());
      }
    }
    if (x.path("upstream").isTextual()) {
      parts.add("from " + x.path("upstream").asText());
    }
    if (x.path("hidden").isArray() && x.path("hidden").size() > 0) {
      List<String> hidden = new ArrayList<>();
      x.path("hidden").forEach(h -> hidden.add(h.asText()));
      parts.add("hidden from the caller's list: " + String.join(", ", hidden));
    }
    return parts.isEmpty() ? "recorded without details" : String.join(", ", parts);
  }

  private static String scopes(List<String> scopes) {
    return scopes.isEmpty() ? "none" : String.join(" ", scopes);
  }

  private void put(String name, String value) {
    lines.put(name, List.of(value == null || value.isEmpty() ? "-" : value));
  }

  private void put(String name, List<String> values) {
    lines.put(name, List.copyOf(values));
  }

  private List<String> format() {
    int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
    List<String> out = new ArrayList<>();
    lines.forEach((name, values) -> {
      for (int i = 0; i < values.size(); i++) {
        out.add(String.format("%-" + width + "s%s", i == 0 ? name + ":" : "", values.get(i)));
      }
    });
    return out;
  }
}
