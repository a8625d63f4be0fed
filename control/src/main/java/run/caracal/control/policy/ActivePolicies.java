package run.caracal.control.policy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.pipeline.PolicySets;

/**
 * The compiled policy sets each zone decides with, loaded on first use and replaced atomically
 * when an activation or a resource change is seen. Reads are lock-free. Thread-safe.
 */
public final class ActivePolicies implements PolicySets {
  private final PolicyService service;
  private final Map<String, ZonePolicies> zones = new ConcurrentHashMap<>();
  private volatile long seenActivation = -1;

  public ActivePolicies(PolicyService service) {
    this.service = service;
  }

  /** The zone's current policies (a zone without an active set denies everything). */
  @Override
  public ZonePolicies forZone(String zoneId) {
    ZonePolicies cached = zones.get(zoneId);
    return cached != null ? cached : zones.computeIfAbsent(zoneId, service::load);
  }

  /** Reloads one zone now (after a local activation or resource change). */
  public void reload(String zoneId) {
    zones.put(zoneId, service.load(zoneId));
  }

  /** Drops every cached zone when activations happened elsewhere; returns whether it did. */
  public boolean refreshIfChanged() {
    long last = service.store().lastActivationSeq();
    if (last != seenActivation) {
      seenActivation = last;
      zones.clear();
      return true;
    }
    return false;
  }

  /** Drops every cached zone. */
  public void invalidateAll() {
    zones.clear();
  }
}
