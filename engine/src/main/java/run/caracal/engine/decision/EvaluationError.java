package run.caracal.engine.decision;

import java.util.Objects;

/**
 * A condition (or a variable it reads) that failed to evaluate. It counted as not satisfied for
 * an allow rule and as satisfied for a deny rule.
 *
 * @param policy the policy name
 * @param version the policy version
 * @param rule the rule whose condition failed
 * @param at where the condition is written, `file:line:col` (empty when unknown)
 * @param message what went wrong, one line
 */
public record EvaluationError(String policy, int version, String rule, String at, String message) {
  public EvaluationError {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(rule, "rule");
    at = Objects.requireNonNullElse(at, "");
    Objects.requireNonNull(message, "message");
  }

  /** `policy/rule: message`, prefixed with the condition's place when known. */
  @Override
  public String toString() {
    return (at.isEmpty() ? "" : at + ": ") + policy + "/" + rule + ": " + message;
  }
}
