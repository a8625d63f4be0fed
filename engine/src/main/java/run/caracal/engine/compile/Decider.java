package run.caracal.engine.compile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.EvaluationError;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RequiredApproval;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Verdict;

/**
 * Applies the decision semantics to one input: deny by default, deny overrides allow, errors
 * fail closed, structural checks add reasons without stopping rule evaluation, and at phase
 * `issue` (and while an MCP list is filtered) unknown allow conditions grant while unknown deny
 * conditions are deferred. At phase `request` an allowed request for which a require_approval
 * rule holds (or errors) on a granted scope is approval_required, unless the input carries a
 * matching approval ({@code context.approval_id}); at phase `issue` (and while a list is
 * filtered) require_approval rules never change the decision (approval happens per request at
 * the Gateway). Used once, by one thread.
 */
final class Decider {
  private static final String ANY = "*";

  private final PolicySetRef ref;
  private final DecisionInput input;
  private final boolean resourceKnown;
  private final RuleTable table;
  private final Evaluation evaluation;
  private final boolean partial;

  /** @param partial whether unknown allow conditions grant and unknown deny conditions are deferred (besides at `issue`) */
  Decider(PolicySetRef ref, DecisionInput input, boolean resourceKnown, RuleTable table, Evaluation evaluation,
      boolean partial) {
    this.ref = ref;
    this.input = input;
    this.resourceKnown = resourceKnown;
    this.table = table;
    this.evaluation = evaluation;
    this.partial = partial || input.phase() == Phase.ISSUE;
  }

  Decision decide(long start, LongSupplier nanoTime) {
    List<String> requested = List.copyOf(new LinkedHashSet<>(input.request().getScopesList()));
    Set<ReasonCode> reasons = EnumSet.noneOf(ReasonCode.class);
    List<String> granted = new ArrayList<>();
    List<RuleRef> allowedBy = new ArrayList<>();
    List<RuleRef> deniedBy = new ArrayList<>();
    Map<RuleRef, CompiledRule> heldBy = new LinkedHashMap<>(); // require_approval rules that held (or errored)
    boolean errorMattered = false;
    if (requested.isEmpty()) {
      reasons.add(ReasonCode.NO_SCOPES_REQUESTED);
    }
    if (!resourceKnown) {
      reasons.add(ReasonCode.UNKNOWN_RESOURCE);
    }
    for (String scope : requested) {
      boolean structuralOk = checkStructure(scope, reasons);
      boolean allowed = false;
      boolean denied = false;
      boolean allowErrored = false;
      for (CompiledRule rule : table.forScope(scope)) {
        Evaluation.Result result = evaluation.outcome(rule);
        RuleRef ref = new RuleRef(rule.policy().name(), rule.policy().version(), rule.name(), rule.effect(), scope);
        if (rule.effect() == Effect.ALLOW) {
          if (result.outcome() == Outcome.TRUE || (result.outcome() == Outcome.UNKNOWN && partial)) {
            allowed = true;
            allowedBy.add(ref);
          }
          allowErrored |= result.outcome() == Outcome.ERROR;
        } else if (rule.effect() == Effect.DENY) {
          if (result.outcome() == Outcome.TRUE || result.outcome() == Outcome.ERROR) {
            denied = true;
            deniedBy.add(ref);
            errorMattered |= result.outcome() == Outcome.ERROR;
          }
        } else if (input.phase() == Phase.REQUEST
            && (result.outcome() == Outcome.TRUE || result.outcome() == Outcome.ERROR)) {
          heldBy.put(ref, rule);
        }
      }
      if (denied) {
        reasons.add(ReasonCode.DENIED_BY_RULE);
      } else if (!allowed) {
        reasons.add(ReasonCode.NO_MATCHING_RULE);
        errorMattered |= allowErrored;
      }
      if (allowed && !denied && structuralOk && resourceKnown) {
        granted.add(scope);
      }
    }
    boolean any = input.scopeMatch() == ScopeMatch.ANY;
    boolean allow = !requested.isEmpty() && (any ? !granted.isEmpty() : granted.size() == requested.size());
    if (allow && any) {
      allowedBy.removeIf(r -> !granted.contains(r.scope()));
    }
    if (errorMattered) {
      reasons.add(ReasonCode.CONDITION_ERROR);
    }
    heldBy.keySet().removeIf(r -> !allow || !granted.contains(r.scope()));
    boolean approved = !input.context().getApprovalId().isEmpty();
    Verdict verdict = !allow ? Verdict.DENY : heldBy.isEmpty() || approved ? Verdict.ALLOW : Verdict.APPROVAL_REQUIRED;
    List<ReasonCode> reasonList = switch (verdict) {
      case DENY -> orderedReasons(reasons);
      case ALLOW -> List.of(heldBy.isEmpty() ? ReasonCode.ALLOWED_BY_RULE : ReasonCode.ALLOWED_BY_APPROVAL);
      case APPROVAL_REQUIRED -> heldBy.values().stream().anyMatch(r -> evaluation.outcome(r).outcome() == Outcome.ERROR)
          ? List.of(ReasonCode.APPROVAL_REQUIRED, ReasonCode.CONDITION_ERROR) : List.of(ReasonCode.APPROVAL_REQUIRED);
    };
    List<RuleRef> determining = switch (verdict) {
      case DENY -> deniedBy;
      case ALLOW -> concat(allowedBy, heldBy.keySet()); // an approval names the rules it satisfied
      case APPROVAL_REQUIRED -> List.copyOf(heldBy.keySet());
    };
    List<RuleEvaluation> evaluated = new ArrayList<>();
    List<EvaluationError> errors = new ArrayList<>();
    evaluation.results().entrySet().stream()
        .sorted(Comparator.comparingInt(e -> e.getKey().ordinal()))
        .forEach(e -> record(e.getKey(), e.getValue(), evaluated, errors));
    long micros = Math.max(0, (nanoTime.getAsLong() - start) / 1000);
    return new Decision(verdict, input.phase(), requested, granted, determining, approvals(heldBy), reasonList, evaluated,
        errors, ref, micros);
  }

  private static List<RuleRef> concat(List<RuleRef> first, Collection<RuleRef> second) {
    List<RuleRef> out = new ArrayList<>(first);
    out.addAll(second);
    return out;
  }

  /** Each require_approval rule that held for a granted scope, once, with its settings. */
  private static List<RequiredApproval> approvals(Map<RuleRef, CompiledRule> heldBy) {
    Map<String, RequiredApproval> out = new LinkedHashMap<>();
    heldBy.forEach((r, rule) ->
        out.putIfAbsent(r.qualifiedName(), new RequiredApproval(r.policy(), r.version(), r.rule(), rule.approval())));
    return List.copyOf(out.values());
  }

  /** Adds structural reasons for one scope; true when the scope passes them. */
  private boolean checkStructure(String scope, Set<ReasonCode> reasons) {
    boolean ok = true;
    if (resourceKnown && !input.resource().getScopesList().contains(scope)) {
      reasons.add(ReasonCode.SCOPE_NOT_DECLARED);
      ok = false;
    }
    Delegation delegation = input.delegation();
    boolean parentScopesGiven = delegation.getParentScopesCount() > 0;
    if (parentScopesGiven && !delegation.getParentScopesList().contains(scope) && !delegation.getParentScopesList().contains(ANY)) {
      reasons.add(ReasonCode.SCOPE_OUTSIDE_DELEGATION);
      ok = false;
    }
    return ok;
  }

  private static List<ReasonCode> orderedReasons(Set<ReasonCode> reasons) {
    List<ReasonCode> out = new ArrayList<>();
    for (ReasonCode code : List.of(ReasonCode.UNKNOWN_RESOURCE, ReasonCode.NO_SCOPES_REQUESTED,
        ReasonCode.SCOPE_NOT_DECLARED, ReasonCode.SCOPE_OUTSIDE_DELEGATION, ReasonCode.DENIED_BY_RULE,
        ReasonCode.CONDITION_ERROR, ReasonCode.NO_MATCHING_RULE)) {
      if (reasons.contains(code)) {
        out.add(code);
      }
    }
    return out;
  }

  private static void record(CompiledRule rule, Evaluation.Result result, List<RuleEvaluation> evaluated,
      List<EvaluationError> errors) {
    evaluated.add(new RuleEvaluation(rule.policy().name(), rule.policy().version(), rule.name(), rule.effect(),
        result.outcome(), Optional.ofNullable(result.error())));
    if (result.error() != null) {
      errors.add(new EvaluationError(rule.policy().name(), rule.policy().version(), rule.name(), rule.at(), result.error()));
    }
  }

}
