package run.caracal.engine.decision;

import java.util.Objects;
import run.caracal.policy.model.Approval;

/**
 * A {@code require_approval} rule that held for a request, with its approval settings: what the
 * Gateway needs to create the approval (or what a matching approval satisfied). Immutable.
 */
public record RequiredApproval(String policy, int version, String rule, Approval approval) {
  public RequiredApproval {
    Objects.requireNonNull(approval, "approval");
  }

  /** The `policy/rule` form used by tests. */
  public String qualifiedName() {
    return policy + "/" + rule;
  }
}
