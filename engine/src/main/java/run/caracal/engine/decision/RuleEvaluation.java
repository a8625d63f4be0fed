package run.caracal.engine.decision;

import java.util.Locale;
import java.util.Optional;
import run.caracal.policy.model.Effect;

/**
 * How one candidate rule's condition came out. {@code UNKNOWN} happens only at phase `issue`,
 * when the condition needs request-time attributes: such a deny or require_approval rule is
 * deferred to the Gateway.
 */
public record RuleEvaluation(String policy, int version, String rule, Effect effect, Outcome outcome, Optional<String> error) {
  /** The three-valued result of a condition, plus errors. */
  public enum Outcome {
    TRUE,
    FALSE,
    UNKNOWN,
    ERROR;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public String qualifiedName() {
    return policy + "/" + rule;
  }

  /** Whether the rule was left for the Gateway (a deny or require_approval whose condition is unknown at issue). */
  public boolean deferred() {
    return outcome == Outcome.UNKNOWN && effect != Effect.ALLOW;
  }
}
