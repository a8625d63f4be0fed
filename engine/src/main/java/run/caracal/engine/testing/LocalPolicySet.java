package run.caracal.engine.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.compile.PolicySetManifest;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.model.PolicySet;
import run.caracal.policy.model.Resource;
import run.caracal.policy.yaml.ScalarText;

/**
 * Compiles a policy set straight from files, as `caracal policy test` and `eval` do: every
 * policy at version 0 (the working copy), every Resource document in the bundle registered.
 */
public final class LocalPolicySet {
  /** Version number given to policies and sets read from files rather than pushed. */
  public static final int WORKING_COPY = 0;

  private LocalPolicySet() {}

  /** The compiled set, or the reason it cannot be compiled. */
  public static CompiledPolicySet compile(PolicyBundle bundle, String setName) throws IllegalArgumentException {
    PolicySet set = bundle.set(setName)
        .orElseThrow(() -> new IllegalArgumentException("no policy set named `" + setName + "`"));
    List<PolicySetManifest.PinnedPolicy> pins = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (ScalarText name : set.policies()) {
      Optional<CheckedPolicy> policy = Optional.ofNullable(bundle.policies().get(name.value()));
      if (policy.isEmpty()) {
        broken.add(name.value());
      } else if (pins.stream().noneMatch(p -> p.name().equals(name.value()))) {
        pins.add(new PolicySetManifest.PinnedPolicy(name.value(), WORKING_COPY, policy.get().sha256()));
      }
    }
    if (!broken.isEmpty()) {
      throw new IllegalArgumentException("policy set `" + setName + "` includes policies with errors or missing: `"
          + String.join("`, `", broken) + "`");
    }
    return CompiledPolicySet.compile(new PolicySetManifest(setName, WORKING_COPY, pins), bundle.policies(),
        bundle.resources().values().stream().map(LocalPolicySet::toInput).toList());
  }

  /** A Resource document as decision input. */
  public static run.caracal.policy.input.Resource toInput(Resource r) {
    return run.caracal.policy.input.Resource.newBuilder()
        .setId(r.id().value())
        .addAllScopes(r.scopeValues())
        .addAllLabels(r.labels())
        .putAllAttributes(r.attributes())
        .build();
  }
}
