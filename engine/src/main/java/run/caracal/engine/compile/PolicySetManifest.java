package run.caracal.engine.compile;

import java.util.List;
import java.util.Objects;
import run.caracal.policy.model.CanonicalForm;

/**
 * What a policy-set version pins: its name and version, and the exact version and sha256 of each
 * policy. Its own sha256 covers the name and the pinned policies, in order.
 */
public record PolicySetManifest(String name, int version, List<PinnedPolicy> policies) {
  /** One pinned policy version. */
  public record PinnedPolicy(String name, int version, String sha256) {}

  public PolicySetManifest {
    Objects.requireNonNull(name, "name");
    policies = List.copyOf(policies);
  }

  /** Lowercase hex sha256 over `name\n` then `policy@version:sha256\n` per policy. */
  public String sha256() {
    StringBuilder sb = new StringBuilder(name).append('\n');
    policies.forEach(p -> sb.append(p.name()).append('@').append(p.version()).append(':').append(p.sha256()).append('\n'));
    return CanonicalForm.sha256(sb.toString());
  }
}
