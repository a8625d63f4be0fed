package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.evaluated;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.request;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.ruleNames;
import static run.caracal.engine.Fixture.rules;

import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.policy.model.Verdict;

/** The decision semantics of DESIGN.md, each on a small inline policy set. */
final class DecideSemanticsTest {
  @Test
  void decide_noRuleApplies_deniesByDefault() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(request("[write]"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("no_matching_rule"), reasons(d));
    assertEquals(List.of(), d.rules());
    assertEquals(List.of(), d.granted());
  }

  @Test
  void decide_allowRuleHolds_allowsWithItAsDeterminingRule() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", "principal.name == 'agent'")));

    Decision d = set.decide(input("{principal: {name: agent}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("allowed_by_rule"), reasons(d));
    assertEquals(List.of("p/reads@read"), rules(d));
    assertEquals(List.of("read"), d.granted());
    assertEquals(List.of(), d.errors());
  }

  @Test
  void decide_allowAndDenyBothHold_denyOverrides() {
    CompiledPolicySet set = compile(policy("p",
        rule("deny-delegated", "deny", "[write]", "delegation.depth > 0")
            + rule("writers", "allow", "[write]", null)));

    Decision d = set.decide(input("{delegation: {depth: 1, parent_scopes: [write]}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [write]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("denied_by_rule"), reasons(d));
    assertEquals(List.of("p/deny-delegated@write"), rules(d), "for a deny, only the deny rules that held");
    assertEquals(Outcome.TRUE, evaluated(d, "p/writers").outcome(), "the allow rule is still evaluated and shown");
  }

  @Test
  void decide_denyInAnotherPolicy_overridesAllow() {
    CompiledPolicySet set = compile(
        policy("grants", rule("everyone-reads", "allow", "[read]", "principal.id != ''")),
        policy("guards", rule("no-bots", "deny", "[read]", "'bot' in principal.labels")));

    Decision d = set.decide(input("{principal: {id: a1, labels: [bot]}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("guards/no-bots"), ruleNames(d));
  }

  @Test
  void decide_starScopeDeny_appliesToEveryScope() {
    CompiledPolicySet set = compile(policy("p",
        rule("reads", "allow", "[read, write]", null)
            + rule("frozen", "deny", "['*']", "'frozen' in principal.labels")));

    Decision frozen = set.decide(input("{principal: {labels: [frozen]}, resource: {id: 'resource://api'}, request: {scopes: [write]}}"));
    Decision thawed = set.decide(request("[write]"));

    assertEquals(Verdict.DENY, frozen.verdict());
    assertEquals(List.of("p/frozen@write"), rules(frozen));
    assertEquals(Verdict.ALLOW, thawed.verdict());
  }

  @Test
  void decide_starScopeAllow_grantsEveryDeclaredScope() {
    CompiledPolicySet set = compile(policy("p", rule("admins", "allow", "['*']", "'admin' in principal.labels")));

    Decision d = set.decide(input("{principal: {labels: [admin]}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [read, delete]}}"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("p/admins@read", "p/admins@delete"), rules(d));
  }

  @Test
  void decide_oneOfTwoScopesNotGranted_deniesTheWholeRequest() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(request("[read, write]"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("no_matching_rule"), reasons(d));
    assertEquals(List.of(), d.rules(), "a deny from a missing grant has no determining rules");
    assertFalse(d.granted().contains("write"));
    assertEquals(List.of("read", "write"), d.requested());
  }

  @Test
  void decide_everyScopeGrantedByDifferentRules_listsEachGrantingRule() {
    CompiledPolicySet set = compile(policy("p",
        rule("reads", "allow", "[read]", null)
            + rule("writes", "allow", "[write]", "principal.name == 'w'")
            + rule("also-writes", "allow", "[write]", "principal.zone == 'eu'")
            + rule("no-write-zone", "allow", "[write]", "principal.zone == 'us'")));

    Decision d = set.decide(input("{principal: {name: w, zone: eu}, resource: {id: 'resource://api'}, request: {scopes: [read, write]}}"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("p/reads@read", "p/writes@write", "p/also-writes@write"), rules(d));
    assertEquals(List.of("read", "write"), d.granted());
  }

  @Test
  void decide_duplicateRequestedScopes_areDecidedOnce() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(request("[read, read]"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("read"), d.requested());
    assertEquals(List.of("p/reads@read"), rules(d));
  }

  @Test
  void decide_noScopesRequested_deniesWithReason() {
    CompiledPolicySet set = compile(policy("p", rule("all", "allow", "['*']", "principal.id != ''")));

    Decision d = set.decide(request("[]"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("no_scopes_requested"), reasons(d));
  }

  @Test
  void decide_allowConditionErrors_countsAsNotSatisfied() {
    CompiledPolicySet set = compile(policy("p", rule("small", "allow", "[write]", "int(request.body.amount) < 100")));

    Decision d = set.decide(input("{resource: {id: 'resource://api'}, request: {phase: request, scopes: [write], body: {}}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("condition_error", "no_matching_rule"), reasons(d));
    assertEquals(List.of(), d.rules());
    assertEquals(Outcome.ERROR, evaluated(d, "p/small").outcome());
    assertEquals(1, d.errors().size());
    assertEquals("p", d.errors().get(0).policy());
    assertEquals("small", d.errors().get(0).rule());
    assertTrue(d.errors().get(0).at().matches(".+:\\d+:\\d+"), "the condition's file:line:col: " + d.errors());
  }

  @Test
  void decide_allowErrorsButAnotherAllowHolds_allowsAndStillReportsTheError() {
    CompiledPolicySet set = compile(policy("p",
        rule("broken", "allow", "[read]", "principal.attributes['team'] == 'x'")
            + rule("fine", "allow", "[read]", null)));

    Decision d = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("p/fine@read"), rules(d));
    assertEquals(1, d.errors().size(), "the error is still reported");
  }

  @Test
  void decide_denyRuleErrors_failsClosed() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", null)
            + rule("limit", "deny", "[write]", "int(request.body.amount) > 100")));

    Decision d = set.decide(input("{resource: {id: 'resource://api'}, request: {scopes: [write], body: {note: 'no amount'}}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("denied_by_rule", "condition_error"), reasons(d));
    assertEquals(List.of("p/limit@write"), rules(d));
    assertEquals(Outcome.ERROR, evaluated(d, "p/limit").outcome());
    assertTrue(evaluated(d, "p/limit").error().isPresent());
  }

  @Test
  void decide_missingMapKey_isAnErrorThatFailsClosed() {
    CompiledPolicySet set = compile(policy("p",
        rule("team-reads", "allow", "[read]", "principal.attributes['team'] == 'ops'")
            + rule("writers", "allow", "[write]", null)
            + rule("no-contractors", "deny", "[write]", "principal.attributes['kind'] == 'contractor'")));

    Decision read = set.decide(request("[read]"));
    Decision write = set.decide(request("[write]"));
    Decision withKeys = set.decide(input("{principal: {attributes: {team: ops, kind: staff}}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [read, write]}}"));

    assertEquals(Verdict.DENY, read.verdict());
    assertEquals(Outcome.ERROR, evaluated(read, "p/team-reads").outcome());
    assertEquals(Verdict.DENY, write.verdict());
    assertEquals(List.of("p/no-contractors@write"), rules(write));
    assertTrue(write.has(run.caracal.engine.decision.ReasonCode.CONDITION_ERROR));
    assertEquals(Verdict.ALLOW, withKeys.verdict());
  }

  @Test
  void decide_absentObjects_readAsZeroValues() {
    CompiledPolicySet set = compile(policy("p", rule("root-sessions", "allow", "[read]",
        "delegation.depth == 0 && session.depth == 0 && principal.name == '' && size(principal.labels) == 0 "
            + "&& size(delegation.chain) == 0 && context.trace_id == '' && size(request.headers) == 0")));

    Decision d = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, d.verdict(), d.errors().toString());
  }

  @Test
  void decide_nowFromInput_isTheEvaluationClock() {
    CompiledPolicySet set = compile(policy("p", rule("office-hours", "allow", "[read]",
        "now.getHours('UTC') >= 9 && now.getHours('UTC') < 17")));

    Decision morning = set.decide(input("{resource: {id: 'resource://api'}, request: {scopes: [read]}, now: '2026-03-02T10:00:00Z'}"));
    Decision night = set.decide(input("{resource: {id: 'resource://api'}, request: {scopes: [read]}, now: '2026-03-02T22:00:00Z'}"));
    Decision defaultClock = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, morning.verdict());
    assertEquals(Verdict.DENY, night.verdict());
    assertEquals(Verdict.ALLOW, defaultClock.verdict(), "the caller's clock (10:15) is used when the input has no `now`");
  }

  @Test
  void decide_unknownResource_deniesButStillEvaluatesRules() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api*\"]", "", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(input("{resource: {id: 'resource://api-unregistered'}, request: {scopes: [read]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("unknown_resource"), reasons(d));
    assertEquals(Outcome.TRUE, evaluated(d, "p/reads").outcome(), "the explanation shows every rule that held");
    assertEquals(List.of(), d.rules());
  }

  @Test
  void decide_noResourceInInput_isUnknownResource() {
    CompiledPolicySet set = compile(policy("p", "[\"**\"]", "", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(input("{request: {scopes: [read]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertTrue(reasons(d).contains("unknown_resource"), reasons(d).toString());
  }

  @Test
  void decide_resourceGivenInFull_isKnownWithoutRegistration() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://other\"]", "", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(input("{resource: {id: 'resource://other', scopes: [read]}, request: {scopes: [read]}}"));

    assertEquals(Verdict.ALLOW, d.verdict(), reasons(d).toString());
  }

  @Test
  void decide_scopeNotDeclaredByResource_deniesWithReasonButEvaluatesRules() {
    CompiledPolicySet set = compile(policy("p", rule("anything", "allow", "['*']", "principal.id == 'a'")));

    Decision d = set.decide(input("{principal: {id: a}, resource: {id: 'resource://api'}, request: {scopes: [read, export]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("scope_not_declared"), reasons(d));
    assertEquals(List.of("read"), d.granted());
    assertEquals(Outcome.TRUE, evaluated(d, "p/anything").outcome());
    assertEquals(List.of(), d.rules(), "a structural deny has no determining rules");
  }

  @Test
  void decide_scopeOutsideDelegation_deniesWithReason() {
    CompiledPolicySet set = compile(policy("p", rule("rw", "allow", "[read, write]", null)));

    Decision outside = set.decide(input("{delegation: {depth: 1, parent_scopes: [read]}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [write]}}"));
    Decision inside = set.decide(input("{delegation: {depth: 1, parent_scopes: [read, write]}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [write]}}"));

    assertEquals(Verdict.DENY, outside.verdict());
    assertEquals(List.of("scope_outside_delegation"), reasons(outside));
    assertEquals(Outcome.TRUE, evaluated(outside, "p/rw").outcome());
    assertEquals(Verdict.ALLOW, inside.verdict());
  }

  @Test
  void decide_delegatedWithoutParentScopes_skipsTheDelegationCheck() {
    CompiledPolicySet set = compile(policy("p", rule("rw", "allow", "[read, write]", null)));

    Decision d = set.decide(input("{delegation: {depth: 2}, resource: {id: 'resource://api'}, request: {scopes: [write]}}"));

    assertEquals(Verdict.ALLOW, d.verdict(), reasons(d).toString());
  }

  @Test
  void decide_parentHoldsEveryScope_allowsAnyScope() {
    CompiledPolicySet set = compile(policy("p", rule("rw", "allow", "[read, write]", null)));

    Decision d = set.decide(input("{delegation: {depth: 1, parent_scopes: ['*']}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [read, write]}}"));

    assertEquals(Verdict.ALLOW, d.verdict(), reasons(d).toString());
  }

  @Test
  void decide_resourceGivenWithSomeFields_fillsTheRestFromTheRegistration() {
    CompiledPolicySet set = compile(policy("p",
        rule("labelled", "allow", "[read]", "'public' in resource.labels && 'write' in resource.scopes")));

    Decision d = set.decide(input("{resource: {id: 'resource://api', labels: [public]}, request: {scopes: [read]}}"));

    assertEquals(Verdict.ALLOW, d.verdict(), reasons(d) + " " + d.errors());
  }

  @Test
  void decide_structuralAndRuleDenyTogether_reportsEveryReasonAndTheDenyRule() {
    CompiledPolicySet set = compile(policy("p",
        rule("rw", "allow", "[read, write]", null) + rule("no-delegates", "deny", "['*']", "delegation.depth > 0")));

    Decision d = set.decide(input("{delegation: {depth: 2, parent_scopes: [read]}, resource: {id: 'resource://api'}, "
        + "request: {scopes: [write, export]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("scope_not_declared", "scope_outside_delegation", "denied_by_rule"), reasons(d));
    assertEquals(List.of("p/no-delegates@write", "p/no-delegates@export"), rules(d));
  }

  @Test
  void decide_policyForAnotherResource_doesNotApply() {
    CompiledPolicySet set = compile(
        policy("p", rule("reads", "allow", "[read]", null)),
        policy("elsewhere", "[\"resource://billing\"]", "", rule("deny-all", "deny", "['*']", null)));

    Decision d = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertTrue(d.evaluated().stream().noneMatch(e -> e.policy().equals("elsewhere")), d.evaluated().toString());
  }

  @Test
  void decide_requestPhaseMissing_decidesInFull() {
    CompiledPolicySet set = compile(policy("p", rule("posts", "allow", "[write]", "request.method == 'POST'")));

    Decision d = set.decide(input("{resource: {id: 'resource://api'}, request: {scopes: [write]}}"));

    assertEquals(Verdict.DENY, d.verdict(), "an empty method is not POST, and no attribute is unknown outside `issue`");
    assertEquals(Outcome.FALSE, evaluated(d, "p/posts").outcome());
  }

  @Test
  void decide_anyInput_namesThePolicySetVersion() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(request("[read]"));

    assertTrue(d.evaluationMicros() >= 0);
    assertEquals("main", d.policySet().name());
    assertEquals(0, d.policySet().version());
    assertEquals(64, d.policySet().sha256().length());
  }
}
