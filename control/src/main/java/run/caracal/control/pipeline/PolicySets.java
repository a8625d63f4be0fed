package run.caracal.control.pipeline;

import run.caracal.control.policy.ZonePolicies;

/** The compiled policy sets each zone decides with right now. Thread-safe. */
public interface PolicySets {
  ZonePolicies forZone(String zoneId);
}
