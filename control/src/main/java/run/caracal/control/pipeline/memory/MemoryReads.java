package run.caracal.control.pipeline.memory;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.app.Application;
import run.caracal.control.pipeline.AppReads;
import run.caracal.control.pipeline.PolicySets;
import run.caracal.control.pipeline.ResourceReads;
import run.caracal.control.pipeline.SessionReads;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;

/**
 * The read ports over plain maps, for fast tests of the pipeline and the edges: put what a test
 * needs, read it back through the ports. Thread-safe.
 */
public final class MemoryReads implements SessionReads, ResourceReads, PolicySets {
  private final Map<String, SessionRecord> sessions = new ConcurrentHashMap<>();
  private final Set<String> revokedTokens = ConcurrentHashMap.newKeySet();
  private final Map<String, Application> apps = new ConcurrentHashMap<>();
  private final Map<String, ResourceBinding> resources = new ConcurrentHashMap<>();
  private final Map<String, String> credentials = new ConcurrentHashMap<>();
  private final Map<String, ZonePolicies> policies = new ConcurrentHashMap<>();

  public MemoryReads put(SessionRecord session) {
    sessions.put(session.id(), session);
    return this;
  }

  public MemoryReads put(Application app) {
    apps.put(app.id(), app);
    return this;
  }

  public MemoryReads put(ResourceBinding binding) {
    resources.put(binding.zoneId() + " " + binding.id(), binding);
    return this;
  }

  public MemoryReads put(ZonePolicies zone) {
    policies.put(zone.zoneId(), zone);
    return this;
  }

  public MemoryReads credential(String zoneId, String resourceId, String value) {
    credentials.put(zoneId + " " + resourceId, value);
    return this;
  }

  public MemoryReads revokeToken(String jti) {
    revokedTokens.add(jti);
    return this;
  }

  /** Ends a session and its descendants, as the store does. */
  public MemoryReads terminate(String sessionId, Instant at) {
    sessions.replaceAll((id, s) -> s.lineage().contains(sessionId) && s.terminatedAt().isEmpty()
        ? new SessionRecord(s.id(), s.zoneId(), s.appId(), s.parentId(), s.rootId(), s.lineage(), s.depth(), s.scopes(),
            s.resources(), s.oneShot(), s.createdAt(), s.expiresAt(), Optional.of(at))
        : s);
    return this;
  }

  @Override
  public Optional<SessionRecord> find(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  @Override
  public Optional<SessionStore.Checked> findChecked(String id, String jti) {
    return find(id).map(s -> new SessionStore.Checked(s, revokedTokens.contains(jti)));
  }

  @Override
  public Optional<ResourceBinding> find(String zoneId, String id) {
    return Optional.ofNullable(resources.get(zoneId + " " + id));
  }

  @Override
  public Optional<String> credential(String zoneId, String id) {
    return Optional.ofNullable(credentials.get(zoneId + " " + id));
  }

  @Override
  public ZonePolicies forZone(String zoneId) {
    return policies.getOrDefault(zoneId, ZonePolicies.none(zoneId));
  }

  /** Applications, as the {@link AppReads} port (a separate view: {@code find(String)} means sessions here). */
  public AppReads apps() {
    return id -> Optional.ofNullable(apps.get(id));
  }
}
