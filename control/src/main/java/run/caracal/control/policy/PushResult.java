package run.caracal.control.policy;

import java.util.List;

/** What a push stored: each policy and set with its version and whether it changed. */
public record PushResult(List<Item> policies, List<Item> sets) {
  /** One document: name, the version now latest, its sha256, and whether this push created it. */
  public record Item(String name, int version, String sha256, boolean created) {}

  public PushResult {
    policies = List.copyOf(policies);
    sets = List.copyOf(sets);
  }
}
