package run.caracal.engine.decision;

import run.caracal.policy.model.Effect;

/** A rule that determined a decision for one scope: policy name and version, rule, effect. */
public record RuleRef(String policy, int version, String rule, Effect effect, String scope) {
  /** The `policy/rule` form used by tests. */
  public String qualifiedName() {
    return policy + "/" + rule;
  }
}
