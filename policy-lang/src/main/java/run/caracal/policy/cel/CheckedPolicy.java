package run.caracal.policy.cel;

import java.util.List;
import java.util.Optional;
import run.caracal.policy.model.Policy;
import run.caracal.policy.model.Rule;

/**
 * A policy whose variables and conditions all type-checked.
 *
 * @param policy the document
 * @param sha256 hex sha256 of the document's canonical form
 * @param variables checked variables in evaluation (dependency) order
 * @param rules the rules with their checked conditions
 */
public record CheckedPolicy(Policy policy, String sha256, List<CheckedVariable> variables, List<CheckedRule> rules) {
  public CheckedPolicy {
    variables = List.copyOf(variables);
    rules = List.copyOf(rules);
  }

  public String name() {
    return policy.name();
  }

  /**
   * One variable.
   *
   * @param requestTime whether it reads request-time attributes, directly or through variables
   */
  public record CheckedVariable(String name, CheckedExpression expression, boolean requestTime) {}

  /**
   * One rule; {@code condition} is empty when the rule has no {@code when}.
   *
   * @param requestTime whether the condition reads request-time attributes, directly or
   *     through variables
   */
  public record CheckedRule(Rule rule, Optional<CheckedExpression> condition, boolean requestTime) {
    public String name() {
      return rule.name().value();
    }
  }
}
