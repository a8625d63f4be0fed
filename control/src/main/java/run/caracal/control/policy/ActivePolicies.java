package run.caracal.control.policy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.pipeline.PolicySets;

/**
 * The compiled policy sets each zone decides with: loaded on a zone's first use, then recompiled
 * off the request path when the zone changes (an activation or a resource change, here or in
 * another process) and swapped in whole; requests keep deciding with the zone's previous sets
 * until the new ones are compiled, and other zones are never touched. Reads are lock-free.
 * Thread-safe.
 */
public final class ActivePolicies implements PolicySets {
  private static final Logger LOG = LoggerFactory.getLogger(ActivePolicies.class);
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

  /** Recompiles one zone now and swaps it in (after a local activation or resource change). */
  public void reload(String zoneId) {
    zones.put(zoneId, service.load(zoneId));
  }

  /**
   * A zone changed in another process (a change notification): recompiles it when this process
   * has it loaded; one it has not loaded is compiled on first use anyway.
   */
  public void changed(String zoneId) {
    if (zones.containsKey(zoneId)) {
      reload(zoneId);
    }
  }

  /** Recompiles every loaded zone, one at a time (after a lost notification channel). */
  public void reloadAll() {
    for (String zoneId : List.copyOf(zones.keySet())) {
      try {
        reload(zoneId);
      } catch (RuntimeException e) {
        LOG.warn("cannot recompile the policy sets of zone {}; it keeps its current ones error={}", zoneId, e.getMessage());
      }
    }
  }

  /**
   * Recompiles the loaded zones activated in another process since the last look (polled, in case
   * a notification was lost); returns whether there were any activations.
   */
  public boolean refreshIfChanged() {
    long last = service.store().lastActivationSeq();
    if (last == seenActivation) {
      return false;
    }
    long since = seenActivation;
    seenActivation = last;
    if (since < 0) {
      reloadAll();
    } else {
      service.store().zonesActivatedAfter(since).forEach(this::changed);
    }
    return true;
  }
}
