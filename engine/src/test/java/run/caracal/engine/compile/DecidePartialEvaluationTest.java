package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.evaluated;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.rules;

import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.policy.model.Verdict;

/** Phase `issue`: request-time attributes are unknown and conditions evaluate three-valued. */
final class DecidePartialEvaluationTest {
  private static final String ISSUE_WRITE = "{resource: {id: 'resource://api'}, request: {phase: issue, scopes: [write]}}";

  @Test
  void decide_allowNeedsRequestTimeAttributesAtIssue_isIssuableAndMarkedUnknown() {
    CompiledPolicySet set = compile(policy("p", rule("posts", "allow", "[write]", "request.method == 'POST'")));

    Decision d = set.decide(input(ISSUE_WRITE));

    assertEquals(Phase.ISSUE, d.phase());
    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("p/posts@write"), rules(d));
    RuleEvaluation posts = evaluated(d, "p/posts");
    assertEquals(Outcome.UNKNOWN, posts.outcome());
    assertFalse(posts.deferred(), "an unknown allow grants; only unknown denies are deferred");
  }

  @Test
  void decide_sameAllowAtRequest_isDecidedInFull() {
    CompiledPolicySet set = compile(policy("p", rule("posts", "allow", "[write]", "request.method == 'POST'")));

    Decision get = set.decide(input("{resource: {id: 'resource://api'}, request: {phase: request, method: GET, scopes: [write]}}"));
    Decision post = set.decide(input("{resource: {id: 'resource://api'}, request: {phase: request, method: POST, scopes: [write]}}"));

    assertEquals(Verdict.DENY, get.verdict());
    assertEquals(Verdict.ALLOW, post.verdict());
  }

  @Test
  void decide_denyUnknownAtIssue_isDeferredAndDoesNotDeny() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", null)
            + rule("big-bodies", "deny", "[write]", "int(request.body.amount) > 5000")));

    Decision d = set.decide(input(ISSUE_WRITE));

    assertEquals(Verdict.ALLOW, d.verdict(), reasons(d).toString());
    assertEquals(List.of("p/writers@write"), rules(d));
    RuleEvaluation deny = evaluated(d, "p/big-bodies");
    assertEquals(Outcome.UNKNOWN, deny.outcome());
    assertTrue(deny.deferred());
    assertTrue(DecisionJson.toJson(d).toString().contains("\"deferred\":true"), "the explanation marks the deferred rule");
    assertEquals(List.of(), d.errors(), "an unknown is not an error");
  }

  @Test
  void decide_denyTrueAtIssue_denies() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", "request.method == 'POST'")
            + rule("no-delegates", "deny", "[write]", "delegation.depth > 0")));

    Decision d = set.decide(input("{delegation: {depth: 1, parent_scopes: [write]}, resource: {id: 'resource://api'}, "
        + "request: {phase: issue, scopes: [write]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("p/no-delegates@write"), rules(d));
  }

  @Test
  void decide_denyErrorsAtIssue_denies() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", null)
            + rule("teams", "deny", "[write]", "principal.attributes['team'] == 'x'")));

    Decision d = set.decide(input(ISSUE_WRITE));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("denied_by_rule", "condition_error"), reasons(d));
  }

  @Test
  void decide_knownFalseConjunctWithUnknownAtIssue_isFalse() {
    CompiledPolicySet set = compile(policy("p",
        rule("x-posts", "allow", "[write]", "request.method == 'POST' && principal.name == 'x'")));

    Decision other = set.decide(input("{principal: {name: y}, resource: {id: 'resource://api'}, request: {phase: issue, scopes: [write]}}"));
    Decision x = set.decide(input("{principal: {name: x}, resource: {id: 'resource://api'}, request: {phase: issue, scopes: [write]}}"));

    assertEquals(Verdict.DENY, other.verdict());
    assertEquals(Outcome.FALSE, evaluated(other, "p/x-posts").outcome());
    assertEquals(Verdict.ALLOW, x.verdict());
    assertEquals(Outcome.UNKNOWN, evaluated(x, "p/x-posts").outcome());
  }

  @Test
  void decide_knownTrueDisjunctWithUnknownAtIssue_isTrue() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", null)
            + rule("guard", "deny", "[write]", "request.path.startsWith('/admin') || principal.name == 'mallory'")));

    Decision d = set.decide(input("{principal: {name: mallory}, resource: {id: 'resource://api'}, request: {phase: issue, scopes: [write]}}"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(Outcome.TRUE, evaluated(d, "p/guard").outcome());
  }

  @Test
  void decide_requestTimeThroughVariableAtIssue_isUnknown() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api\"]",
        "amount: int(request.body.amount)\nsmall: variables.amount <= 100\n",
        rule("small-writes", "allow", "[write]", "variables.small")
            + rule("huge", "deny", "[write]", "variables.amount > 1000000")));

    Decision d = set.decide(input(ISSUE_WRITE));

    assertEquals(Verdict.ALLOW, d.verdict(), d.errors().toString());
    assertEquals(Outcome.UNKNOWN, evaluated(d, "p/small-writes").outcome());
    assertTrue(evaluated(d, "p/huge").deferred());
  }

  @Test
  void decide_requestScopesAtIssue_areKnown() {
    CompiledPolicySet set = compile(policy("p",
        rule("single", "allow", "[read, write]", "size(request.scopes) == 1 && request.phase == 'issue'")));

    Decision one = set.decide(input(ISSUE_WRITE));
    Decision two = set.decide(input("{resource: {id: 'resource://api'}, request: {phase: issue, scopes: [read, write]}}"));

    assertEquals(Verdict.ALLOW, one.verdict());
    assertEquals(Outcome.TRUE, evaluated(one, "p/single").outcome());
    assertEquals(Verdict.DENY, two.verdict());
  }

  @Test
  void decide_requestTimeValuesGivenAtIssue_areStillUnknown() {
    CompiledPolicySet set = compile(policy("p",
        rule("writers", "allow", "[write]", null) + rule("gets", "deny", "[write]", "request.method == 'GET'")));

    Decision d = set.decide(input("{resource: {id: 'resource://api'}, request: {phase: issue, method: GET, scopes: [write]}}"));

    assertEquals(Verdict.ALLOW, d.verdict(), "at issue the method is not the call's method yet");
    assertTrue(evaluated(d, "p/gets").deferred());
  }
}
