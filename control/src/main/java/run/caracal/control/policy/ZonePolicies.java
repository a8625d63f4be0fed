package run.caracal.control.policy;

import java.util.Optional;
import run.caracal.engine.compile.CompiledPolicySet;

/**
 * What decides in a zone right now: the active set (none: the zone denies everything) and an
 * optional shadow candidate evaluated beside it. Immutable; swapped as a whole on activation.
 */
public record ZonePolicies(String zoneId, Optional<CompiledPolicySet> active, Optional<CompiledPolicySet> shadow) {
  public static ZonePolicies none(String zoneId) {
    return new ZonePolicies(zoneId, Optional.empty(), Optional.empty());
  }
}
