package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.cli.audit.Explanations;
import run.caracal.cli.policy.Impact;
import run.caracal.cli.runtime.SetupCommand;
import run.caracal.policy.source.SourceFile;

/** The admin API calls the console makes. */
final class ConsoleApi {
  private final AdminClient client;
  /** Who answers approvals: an approver's token when the console was given one, else the admin token. */
  private final AdminClient approvals;

  ConsoleApi(AdminClient client) {
    this(client, client);
  }

  ConsoleApi(AdminClient client, AdminClient approvals) {
    this.client = client;
    this.approvals = approvals;
  }

  String baseUrl() {
    return client.baseUrl();
  }

  JsonNode zones() {
    return client.get(AdminPaths.zones());
  }

  JsonNode zone(String zone) {
    return client.get(AdminPaths.zone(zone));
  }

  List<String> zoneDetail(String zone) {
    return ConsoleText.zoneDetail(zone(zone), apps(zone), resources(zone));
  }

  JsonNode apps(String zone) {
    return client.get(AdminPaths.apps(zone));
  }

  JsonNode resources(String zone) {
    return client.get(AdminPaths.resources(zone));
  }

  /** Every version of every policy and policy set of the zone (no sources). */
  JsonNode policies(String zone) {
    return client.get(AdminPaths.policies(zone));
  }

  /** One policy version with its source. */
  JsonNode policy(String zone, String name, int version) {
    return client.get(AdminPaths.policy(zone, name, version));
  }

  JsonNode history(String zone) {
    return client.get(AdminPaths.history(zone));
  }

  /** Activates (or shadows) one set version. */
  /** The impact report of a pushed set version on the zone's last 24 h, as text lines. */
  List<String> impact(String zone, String set, int version) throws IOException {
    List<String> out = new ArrayList<>();
    Impact.LastDay lastDay = Impact.lastDay(client, zone, set, version, out::add);
    out.addAll(lastDay.text(zone));
    return out;
  }

  JsonNode activate(String zone, String set, int version, boolean shadow) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("policy_set", set);
    body.put("version", version);
    body.put("shadow", shadow);
    return client.post(AdminPaths.activate(zone), body);
  }

  void clearShadow(String zone) {
    client.post(AdminPaths.activate(zone), Map.of("shadow", true, "clear", true));
  }

  /** The newest ledger events matching the filter, newest first. */
  List<JsonNode> newestEvents(int limit, AuditFilter filter) {
    List<JsonNode> events = new ArrayList<>();
    client.get("/admin/v1/ledger/events?limit=" + limit + "&order=newest" + filter.query(Instant.now()))
        .path("events").forEach(events::add);
    return events;
  }

  Optional<List<String>> explain(String requestId) {
    return Explanations.explain(client, requestId);
  }

  Optional<List<String>> trace(String requestId) {
    return Explanations.trace(client, requestId);
  }

  /** The approvals of a zone waiting for an answer. */
  JsonNode pendingApprovals(String zone) {
    return approvals.get(AdminPaths.approvals(zone, "pending"));
  }

  /** Approves or denies a pending approval; the answer is final. */
  JsonNode answerApproval(String id, boolean approve) {
    return approvals.post(AdminPaths.approval(id) + (approve ? "/approve" : "/deny"), Map.of());
  }

  /** All sessions of a zone, live and ended. */
  JsonNode sessions(String zone) {
    return client.get(AdminPaths.sessions(zone, true));
  }

  void terminateSession(String id) {
    client.delete(AdminPaths.session(id));
  }

  /** Applies the guided setup with `caracal setup`'s admin calls; the one-time secret goes to {@code secret}. */
  SetupCommand.Result setup(SetupForm form, Consumer<String> secret) throws Exception {
    return SetupCommand.guided(client, form.zone(), form.app(), form.resourceId(), form.scopes(), form.upstream(),
        form.credentialFile(), form.existingPolicy(), form.writeFiles(), form.profile().toAbsolutePath().normalize(),
        form.secretFile().toAbsolutePath().normalize(), secret);
  }

  /** Names of the zone's pushed policies, for setup's "pick existing"; none when the zone does not exist yet. */
  List<String> policyNames(String zone) {
    List<String> names = new ArrayList<>();
    try {
      policies(zone).path("policies").forEach(p -> {
        if (!names.contains(p.path("name").asText())) {
          names.add(p.path("name").asText());
        }
      });
    } catch (AdminClient.AdminException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
    return names;
  }

  /** The diagnostics view: status, clock skew, chain verification and the lint state of every active set. */
  List<String> diagnostics() {
    Instant sent = Instant.now();
    JsonNode status = client.get("/admin/v1/status");
    Instant received = Instant.now();
    List<String> out = new ArrayList<>(ConsoleText.status(status));
    out.add("");
    out.addAll(DiagnosticsText.clock(status, sent, received));
    Instant verifyStart = Instant.now();
    out.addAll(DiagnosticsText.verification(client.get("/admin/v1/ledger/verify"), Duration.between(verifyStart, Instant.now())));
    List<DiagnosticsText.ZoneLint> lint = new ArrayList<>();
    zones().forEach(z -> lint.add(zoneLint(z.path("name").asText())));
    out.addAll(DiagnosticsText.lint(lint));
    return out;
  }

  /** Lints the zone's active set: its pinned policy versions together, against the zone's resources. */
  DiagnosticsText.ZoneLint zoneLint(String zone) {
    JsonNode z = zone(zone);
    Optional<PolicySetText.SetVersion> active = PolicySetText.SetVersion.of(z.path("active_policy_set"));
    if (active.isEmpty()) {
      return new DiagnosticsText.ZoneLint(zone, null, 0, List.of(), "no active policy set: the zone denies everything");
    }
    JsonNode set = PolicySetText.find(policies(zone), active.get().key()).orElse(null);
    if (set == null) {
      return new DiagnosticsText.ZoneLint(zone, null, 0, List.of(), "active set " + active.get() + " is not listed");
    }
    List<SourceFile> sources = new ArrayList<>();
    set.path("policies").forEach(p -> {
      String name = p.path("name").asText();
      int version = p.path("version").asInt();
      sources.add(new SourceFile(name + "@" + version, policy(zone, name, version).path("source").asText()));
    });
    return new DiagnosticsText.ZoneLint(zone, active.get().toString(), sources.size(), PolicyText.lint(sources, resources(zone)), "");
  }
}
