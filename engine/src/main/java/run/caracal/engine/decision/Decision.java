package run.caracal.engine.decision;

import java.util.LinkedHashSet;
import java.util.List;
import run.caracal.policy.model.Effect;

/**
 * The result of one decision with its explanation. Immutable.
 *
 * @param effect allow or deny
 * @param phase the phase it was decided at
 * @param requested the requested scopes, in request order without duplicates
 * @param granted the requested scopes that are granted (all of them when allowed)
 * @param rules the determining rules: for an allow, the allow rules that granted each scope; for
 *     a deny, the deny rules that held
 * @param reasons reason codes, most specific first
 * @param evaluated every candidate rule and how its condition came out
 * @param errors evaluation errors, each with the place of its condition
 * @param policySet the deciding policy-set version
 * @param evaluationMicros time spent deciding
 */
public record Decision(
    Effect effect,
    Phase phase,
    List<String> requested,
    List<String> granted,
    List<RuleRef> rules,
    List<ReasonCode> reasons,
    List<RuleEvaluation> evaluated,
    List<EvaluationError> errors,
    PolicySetRef policySet,
    long evaluationMicros) {
  public Decision {
    requested = List.copyOf(requested);
    granted = List.copyOf(granted);
    rules = List.copyOf(rules);
    reasons = List.copyOf(reasons);
    evaluated = List.copyOf(evaluated);
    errors = List.copyOf(errors);
  }

  /**
   * The decision of a zone that has no active policy set: everything is denied, with reason
   * {@code no_active_policy_set}; its policy set is {@link PolicySetRef#NONE}.
   */
  public static Decision noActivePolicySet(DecisionInput input) {
    return new Decision(Effect.DENY, input.phase(), List.copyOf(new LinkedHashSet<>(input.request().getScopesList())),
        List.of(), List.of(), List.of(ReasonCode.NO_ACTIVE_POLICY_SET), List.of(), List.of(), PolicySetRef.NONE, 0);
  }

  /**
   * The decision on an MCP protocol message that no rule governs ({@link McpMethods#decided} is
   * false for it): allowed with reason {@code mcp_plumbing}, the token's scopes granted as given.
   */
  public static Decision mcpPlumbing(DecisionInput input, PolicySetRef policySet) {
    List<String> scopes = List.copyOf(new LinkedHashSet<>(input.request().getScopesList()));
    return new Decision(Effect.ALLOW, input.phase(), scopes, scopes, List.of(), List.of(ReasonCode.MCP_PLUMBING), List.of(),
        List.of(), policySet, 0);
  }

  public boolean allowed() {
    return effect == Effect.ALLOW;
  }

  public boolean has(ReasonCode reason) {
    return reasons.contains(reason);
  }
}
