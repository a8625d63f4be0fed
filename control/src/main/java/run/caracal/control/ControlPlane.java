package run.caracal.control;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.app.AppStore;
import run.caracal.control.app.Application;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.approval.ApprovalWebhook;
import run.caracal.control.approval.ApproverAccess;
import run.caracal.control.approval.ApproverStore;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.cache.ShortCache;
import run.caracal.control.crypto.ClientSecrets;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Ids;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.StoreException;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.notify.ChangeNotifier;
import run.caracal.control.pipeline.AppReads;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.LedgerDecisionLog;
import run.caracal.control.policy.ActivePolicies;
import run.caracal.control.policy.PolicyService;
import run.caracal.control.policy.PolicyStore;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.resource.ResourceStore;
import run.caracal.control.session.SessionStore;
import run.caracal.control.trace.TracedDecisionLog;
import run.caracal.control.trace.Tracing;
import run.caracal.control.zone.Zone;
import run.caracal.control.zone.ZoneStore;
import run.caracal.decision.InputMasker;
import run.caracal.ledger.Ledger;
import run.caracal.policy.parse.Names;

/**
 * The control plane: zones, applications and their secrets, resources, policies and their
 * activation, sessions and signing keys, over one database; every change is recorded in the
 * ledger. The admin API and the STS call it. Thread-safe.
 */
public final class ControlPlane {
  /** How long a rotated-out client secret keeps working unless told otherwise. */
  public static final Duration DEFAULT_SECRET_GRACE = Duration.ofHours(24);

  /** An app together with its one-time secret (never stored, never shown again). */
  public record IssuedSecret(Application app, String secret) {}

  private final Clock clock;
  private final ZoneStore zones;
  private final AppStore apps;
  private final ResourceStore resources;
  private final SessionStore sessions;
  private final KeyRing keys;
  private final PolicyService policies;
  private final ActivePolicies active;
  private final AdminAudit audit;
  private final CaracalMetrics metrics = new CaracalMetrics();
  private final ChangeNotifier notifier;
  private final ShortCache<String, AppStore.Credentials> credentials = ShortCache.oneSecond();
  private final DecisionPipeline pipeline;
  private final Tracing tracing;
  private final SecretBox box;
  private final ApprovalStore approvals;
  private final ApprovalWebhook webhook;
  private final ApproverStore approvers;
  private final ApproverAccess approverAccess;

  public ControlPlane(Jdbc jdbc, SecretBox box, Ledger ledger, Clock clock) {
    this(jdbc, box, ledger, clock, InputMasker.DEFAULT_PATHS);
  }

  /**
   * @param maskPaths the decision-input paths whose values decision records keep only as
   *     fingerprints (see {@link InputMasker})
   */
  public ControlPlane(Jdbc jdbc, SecretBox box, Ledger ledger, Clock clock, List<String> maskPaths) {
    this(jdbc, box, ledger, clock, maskPaths, Tracing.NOOP);
  }

  /**
   * @param maskPaths the decision-input paths whose values decision records keep only as
   *     fingerprints (see {@link InputMasker})
   * @param tracing where the STS's and the Gateway's spans go ({@link Tracing#NOOP}: nowhere)
   */
  public ControlPlane(Jdbc jdbc, SecretBox box, Ledger ledger, Clock clock, List<String> maskPaths, Tracing tracing) {
    this.tracing = tracing;
    this.box = box;
    ControlSchema.migrate(jdbc.dataSource());
    this.clock = clock;
    this.audit = new AdminAudit(ledger, jdbc);
    this.zones = new ZoneStore(jdbc);
    this.apps = new AppStore(jdbc);
    this.resources = new ResourceStore(jdbc, box);
    this.sessions = new SessionStore(jdbc);
    this.keys = new KeyRing(jdbc, box, clock);
    this.policies = new PolicyService(new PolicyStore(jdbc), resources, audit, clock);
    this.active = new ActivePolicies(policies);
    this.metrics.bindLedger(ledger);
    this.notifier = new ChangeNotifier(jdbc.dataSource());
    this.webhook = new ApprovalWebhook(zoneId -> zones.find(zoneId).flatMap(z -> zones.approvalWebhook(z.id())
        .map(url -> new ApprovalWebhook.Target(z.name(), URI.create(url), webhookSecret(box, z.id(), url)))), ApprovalWebhook.BACKOFF);
    this.approvals = new ApprovalStore(jdbc, audit, clock, webhook);
    this.approvers = new ApproverStore(jdbc, audit, clock);
    this.approverAccess = new ApproverAccess(approvers, approvals);
    this.pipeline = new DecisionPipeline(sessions, appReads(), active,
        TracedDecisionLog.wrap(new LedgerDecisionLog(ledger), tracing),
        new InputMasker(maskPaths, box.derive("caracal decision record masking v1")), clock, metrics);
  }

  /** Requests held for a person's approval. */
  public ApprovalStore approvals() {
    return approvals;
  }

  /** Named approvers and their tokens. */
  public ApproverStore approvers() {
    return approvers;
  }

  /** Who may read and answer approvals: the admin, or an approver of the zone in the rule's groups. */
  public ApproverAccess approverAccess() {
    return approverAccess;
  }

  /**
   * Sets (or with an empty value clears) the URL that hears of each new pending approval in a
   * zone; the ledger event names only its host.
   */
  public Zone setApprovalWebhook(String zoneIdOrName, Optional<String> url, String actor) {
    Zone zone = zone(zoneIdOrName);
    Optional<String> set = url.map(String::strip).filter(u -> !u.isEmpty());
    set.filter(u -> !isHttpUrl(u)).ifPresent(u -> {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "approval webhook `" + u + "` must be an http or https URL");
    });
    audit.change(() -> {
      zones.setApprovalWebhook(zone.id(), set);
      audit.record("zone.updated", zone.id(), actor,
          Map.of("approval_webhook", set.map(u -> "set (host " + URI.create(u).getHost() + ")").orElse("cleared")));
    });
    return zone;
  }

  private static boolean isHttpUrl(String url) {
    if (!url.matches("https?://[^\\s/?#]+(/[^\\s]*)?")) {
      return false;
    }
    try {
      return URI.create(url).getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The zone's approval webhook URL, when it has one. */
  public Optional<String> approvalWebhook(String zoneIdOrName) {
    return zones.approvalWebhook(zone(zoneIdOrName).id());
  }

  /**
   * The secret that signs the zone's webhook notices, when it has a webhook: derived from the
   * master key, the zone and the URL (never stored; setting another URL gives another secret).
   */
  public Optional<String> approvalWebhookSecret(String zoneIdOrName) {
    Zone zone = zone(zoneIdOrName);
    return zones.approvalWebhook(zone.id()).map(url -> webhookSecret(box, zone.id(), url));
  }

  private static String webhookSecret(SecretBox box, String zoneId, String url) {
    return "whsec_" + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(box.derive("caracal/approval-webhook/v1\u0000" + zoneId + "\u0000" + url));
  }

  /** The one decision pipeline every caller of the engine goes through. */
  public DecisionPipeline pipeline() {
    return pipeline;
  }

  /** The spans of the STS and the Gateway (no-op unless the server configured an exporter). */
  public Tracing tracing() {
    return tracing;
  }

  /** Applications by id, through a one-second cache (this process's own changes are seen at once). */
  public AppReads appReads() {
    return id -> credentials.get(id, apps::credentials).map(AppStore.Credentials::app);
  }

  /** Announces changes other processes cache (activations, keys, resources). */
  public ChangeNotifier notifier() {
    return notifier;
  }

  public CaracalMetrics metrics() {
    return metrics;
  }

  public Clock clock() {
    return clock;
  }

  public SessionStore sessions() {
    return sessions;
  }

  public KeyRing keys() {
    return keys;
  }

  public PolicyService policies() {
    return policies;
  }

  public ActivePolicies active() {
    return active;
  }

  public AdminAudit audit() {
    return audit;
  }

  public ResourceStore resources() {
    return resources;
  }

  // zones

  public Zone createZone(String name, String actor) {
    requireName(name, "zone name");
    if (zones.find(name).isPresent()) {
      throw new ControlException(ControlException.Kind.CONFLICT, "zone `" + name + "` already exists");
    }
    Zone zone = new Zone(Ids.newId("zone"), name, clock.instant());
    audit.change(() -> {
      try {
        zones.insert(zone);
      } catch (StoreException e) {
        throw e.isDuplicate() ? new ControlException(ControlException.Kind.CONFLICT, "zone `" + name + "` already exists") : e;
      }
      keys.ensure(zone.id());
      audit.record("zone.created", zone.id(), actor, Map.of("name", name));
    });
    return zone;
  }

  public List<Zone> zones() {
    return zones.list();
  }

  /** A zone by id or name. */
  public Zone zone(String idOrName) {
    return zones.find(idOrName).orElseThrow(() -> ControlException.notFound("zone `" + idOrName + "`"));
  }

  public void deleteZone(String idOrName, String actor) {
    Zone zone = zone(idOrName);
    if (!apps.list(zone.id()).isEmpty() || !resources.list(zone.id()).isEmpty()) {
      throw new ControlException(ControlException.Kind.CONFLICT, "zone `" + zone.name() + "` still has apps or resources; delete them first");
    }
    audit.change(() -> {
      try {
        zones.delete(zone.id());
      } catch (StoreException e) {
        throw new ControlException(ControlException.Kind.CONFLICT, "zone `" + zone.name() + "` still has policies or sessions");
      }
      audit.record("zone.deleted", zone.id(), actor, Map.of("name", zone.name()));
    });
    keys.refresh();
  }

  // apps

  public IssuedSecret createApp(String zoneIdOrName, String name, List<String> labels, Map<String, String> attributes, String actor) {
    Zone zone = zone(zoneIdOrName);
    requireName(name, "app name");
    if (apps.list(zone.id()).stream().anyMatch(a -> a.name().equals(name))) {
      throw new ControlException(ControlException.Kind.CONFLICT, "app `" + name + "` already exists in zone `" + zone.name() + "`");
    }
    Application app = new Application(Ids.newId("app"), zone.id(), name, labels, attributes, true, clock.instant());
    String secret = ClientSecrets.generate();
    audit.change(() -> {
      apps.insert(app, ClientSecrets.hash(secret));
      audit.record("app.created", zone.id(), actor, Map.of("app", app.id(), "name", name));
    });
    return new IssuedSecret(app, secret);
  }

  public List<Application> apps(String zoneIdOrName) {
    return apps.list(zone(zoneIdOrName).id());
  }

  /** An app by id (read through a one-second cache; this process's own changes are seen at once). */
  public Application app(String id) {
    return credentials.get(id, apps::credentials).map(AppStore.Credentials::app)
        .orElseThrow(() -> ControlException.notFound("app `" + id + "`"));
  }

  /** A new secret; the old one keeps working for {@code grace}. */
  public IssuedSecret rotateSecret(String id, Duration grace, String actor) {
    Application app = app(id);
    String secret = ClientSecrets.generate();
    audit.change(() -> {
      apps.rotate(id, ClientSecrets.hash(secret), clock.instant().plus(grace));
      audit.record("app.secret_rotated", app.zoneId(), actor, Map.of("app", id, "graceSeconds", grace.toSeconds()));
    });
    credentials.invalidate(id);
    return new IssuedSecret(app, secret);
  }

  public void setAppEnabled(String id, boolean enabled, String actor) {
    Application app = app(id);
    audit.change(() -> {
      apps.setEnabled(id, enabled);
      audit.record(enabled ? "app.enabled" : "app.disabled", app.zoneId(), actor, Map.of("app", id));
    });
    credentials.invalidate(id);
  }

  public void deleteApp(String id, String actor) {
    Application app = app(id);
    audit.change(() -> {
      try {
        apps.delete(id);
      } catch (StoreException e) {
        throw new ControlException(ControlException.Kind.CONFLICT, "app `" + id + "` has sessions; disable it instead");
      }
      audit.record("app.deleted", app.zoneId(), actor, Map.of("app", id));
    });
    credentials.invalidate(id);
  }

  /**
   * The enabled app these credentials belong to: the current secret, or the previous one within
   * its grace period. Compares in constant time; empty for unknown, disabled or wrong.
   */
  public Optional<Application> authenticate(String appId, String secret) {
    Instant now = clock.instant();
    return credentials.get(appId, apps::credentials)
        .filter(c -> c.app().enabled())
        .filter(c -> ClientSecrets.matches(secret, c.secretHash())
            | (c.previousHash().isPresent() && c.previousExpiresAt().map(now::isBefore).orElse(false)
                && ClientSecrets.matches(secret, c.previousHash().get())))
        .map(AppStore.Credentials::app);
  }

  /** Why authentication failed, for the authorization event (never shown to the client). */
  public String authenticationFailure(String appId) {
    return apps.credentials(appId).map(c -> c.app().enabled() ? "wrong_secret" : "app_disabled").orElse("unknown_app");
  }

  // resources

  public ResourceBinding putResource(String zoneIdOrName, ResourceBinding spec, Optional<String> credential, boolean keepCredential,
      String actor) {
    Zone zone = zone(zoneIdOrName);
    if (!Names.RESOURCE_ID.matcher(spec.id()).matches()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "resource id `" + spec.id() + "` must look like `resource://name`");
    }
    if (spec.scopes().isEmpty() || spec.scopes().stream().anyMatch(s -> !Names.SCOPE.matcher(s).matches() || s.equals("*"))) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "a resource needs concrete scopes without spaces");
    }
    spec.upstream().filter(u -> !isHttpUrl(u)).ifPresent(u -> {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "upstream `" + u + "` must be an http or https URL");
    });
    for (ResourceBinding.Operation op : spec.operations()) {
      if (!spec.scopes().contains(op.scope())) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST, "operation scope `" + op.scope() + "` is not declared by the resource");
      }
    }
    for (ResourceBinding.Tool tool : spec.mcp().map(ResourceBinding.Mcp::tools).orElse(List.of())) {
      if (!spec.scopes().contains(tool.scope())) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST, "tool `" + tool.name() + "`'s scope `" + tool.scope()
            + "` is not declared by the resource");
      }
    }
    if (spec.mcp().isPresent() && !spec.operations().isEmpty()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "an MCP resource declares tools, not operations");
    }
    Optional<ResourceBinding> existing = resources.find(zone.id(), spec.id());
    Instant now = clock.instant();
    ResourceBinding stored = new ResourceBinding(zone.id(), spec.id(), spec.scopes(), spec.labels(), spec.attributes(),
        spec.upstream(), spec.operations(), spec.bodyInspection(), spec.mcp(), false,
        existing.map(ResourceBinding::createdAt).orElse(now), now);
    audit.change(() -> {
      resources.upsert(stored, credential, keepCredential && credential.isEmpty());
      audit.record(existing.isPresent() ? "resource.updated" : "resource.created", zone.id(), actor,
          Map.of("resource", spec.id(), "scopes", spec.scopes(), "upstreamCredential", credential.isPresent()));
    });
    active.reload(zone.id());
    notifier.changed("resource", zone.id());
    return resources.find(zone.id(), spec.id()).orElseThrow();
  }

  public List<ResourceBinding> resourcesOf(String zoneIdOrName) {
    return resources.list(zone(zoneIdOrName).id());
  }

  public ResourceBinding resource(String zoneIdOrName, String id) {
    Zone zone = zone(zoneIdOrName);
    return resources.find(zone.id(), id).orElseThrow(() -> ControlException.notFound("resource `" + id + "` in zone `" + zone.name() + "`"));
  }

  public void deleteResource(String zoneIdOrName, String id, String actor) {
    ResourceBinding r = resource(zoneIdOrName, id);
    audit.change(() -> {
      resources.delete(r.zoneId(), id);
      audit.record("resource.deleted", r.zoneId(), actor, Map.of("resource", id));
    });
    active.reload(r.zoneId());
    notifier.changed("resource", r.zoneId());
  }

  private static void requireName(String name, String what) {
    if (name == null || !Names.NAME.matcher(name).matches()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST,
          what + " `" + name + "` must be lowercase letters, digits, `-`, `_` or `.`");
    }
  }
}
