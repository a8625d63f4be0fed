package run.caracal.engine.decision;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Verdict;

/**
 * The result of one decision with its explanation. Immutable.
 *
 * @param verdict allow, deny or approval_required
 * @param phase the phase it was decided at
 * @param requested the requested scopes, in request order without duplicates
 * @param granted the requested scopes that are granted (all of them when allowed; for
 *     approval_required, the scopes an approval would let through)
 * @param rules the determining rules: for an allow, the allow rules that granted each scope (plus,
 *     when an approval matched, the require_approval rules it satisfied); for approval_required,
 *     the require_approval rules that held; for a deny, the deny rules that held
 * @param approvals the require_approval rules that held for a granted scope, with their settings:
 *     not empty exactly when the verdict is approval_required or an approval satisfied them
 * @param reasons reason codes, most specific first
 * @param evaluated every candidate rule and how its condition came out
 * @param errors evaluation errors, each with the place of its condition
 * @param policySet the deciding policy-set version
 * @param evaluationMicros time spent deciding
 */
public record Decision(
    Verdict verdict,
    Phase phase,
    List<String> requested,
    List<String> granted,
    List<RuleRef> rules,
    List<RequiredApproval> approvals,
    List<ReasonCode> reasons,
    List<RuleEvaluation> evaluated,
    List<EvaluationError> errors,
    PolicySetRef policySet,
    long evaluationMicros) {
  public Decision {
    requested = List.copyOf(requested);
    granted = List.copyOf(granted);
    rules = List.copyOf(rules);
    approvals = List.copyOf(approvals);
    reasons = List.copyOf(reasons);
    evaluated = List.copyOf(evaluated);
    errors = List.copyOf(errors);
  }

  /**
   * The decision of a zone that has no active policy set: everything is denied, with reason
   * {@code no_active_policy_set}; its policy set is {@link PolicySetRef#NONE}.
   */
  public static Decision noActivePolicySet(DecisionInput input) {
    return new Decision(Verdict.DENY, input.phase(), List.copyOf(new LinkedHashSet<>(input.request().getScopesList())),
        List.of(), List.of(), List.of(), List.of(ReasonCode.NO_ACTIVE_POLICY_SET), List.of(), List.of(), PolicySetRef.NONE, 0);
  }

  /**
   * The decision on an MCP protocol message that no rule governs ({@link McpMethods#decided} is
   * false for it): allowed with reason {@code mcp_plumbing}, the token's scopes granted as given.
   */
  public static Decision mcpPlumbing(DecisionInput input, PolicySetRef policySet) {
    List<String> scopes = List.copyOf(new LinkedHashSet<>(input.request().getScopesList()));
    return new Decision(Verdict.ALLOW, input.phase(), scopes, scopes, List.of(), List.of(), List.of(ReasonCode.MCP_PLUMBING),
        List.of(), List.of(), policySet, 0);
  }

  /** Whether the request may go ahead now (an approval_required decision may not). */
  public boolean allowed() {
    return verdict == Verdict.ALLOW;
  }

  /** Whether the request waits for a person's approval. */
  public boolean approvalRequired() {
    return verdict == Verdict.APPROVAL_REQUIRED;
  }

  public boolean has(ReasonCode reason) {
    return reasons.contains(reason);
  }

  /** How long an approval of this request stays usable: the shortest ttl of the rules that held. */
  public Optional<Duration> approvalTtl() {
    return approvals.stream().map(a -> a.approval().ttl()).min(Duration::compareTo);
  }

  /** How often one approval may be used: {@code once} unless every rule that held says {@code until_expiry}. */
  public Optional<Approval.Reuse> approvalReuse() {
    if (approvals.isEmpty()) {
      return Optional.empty();
    }
    boolean reusable = approvals.stream().allMatch(a -> a.approval().reuse() == Approval.Reuse.UNTIL_EXPIRY);
    return Optional.of(reusable ? Approval.Reuse.UNTIL_EXPIRY : Approval.Reuse.ONCE);
  }

  /**
   * Whether an approver in {@code groups} may approve this request: every rule that held must
   * accept one of the groups (a rule naming no group accepts any approver). False when no
   * approval is required.
   */
  public boolean mayBeApprovedBy(Set<String> groups) {
    return !approvals.isEmpty() && approvals.stream().allMatch(a -> a.approval().mayBeGrantedBy(groups));
  }
}
