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

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.RequiredApproval;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Verdict;

/** require_approval rules: the approval_required verdict, its settings, approvals, phase issue. */
final class DecideApprovalTest {
  private static final String WRITES_NEED_FINANCE = """
      - name: writes-need-finance
        effect: require_approval
        scopes: [write]
        approval: {ttl: 1h, reuse: until_expiry, approvers: [finance, ops]}
      """;
  private static final String WRITES_NEED_SECURITY = """
      - name: writes-need-security
        effect: require_approval
        scopes: [write]
        when: "request.method == 'DELETE'"
        approval: {ttl: 10m, approvers: [security, ops]}
      """;
  private static final CompiledPolicySet SET = compile(policy("p",
      rule("all", "allow", "[read, write]", null) + WRITES_NEED_FINANCE + WRITES_NEED_SECURITY));

  private static Decision decide(String method, String approvalId) {
    return SET.decide(input("{resource: {id: 'resource://api'}, request: {phase: request, scopes: [write], method: "
        + method + "}, context: {approval_id: '" + approvalId + "'}}"));
  }

  @Test
  void decide_requireApprovalHolds_isApprovalRequiredWithTheRuleSettings() {
    Decision d = decide("POST", "");

    assertEquals(Verdict.APPROVAL_REQUIRED, d.verdict());
    assertFalse(d.allowed());
    assertTrue(d.approvalRequired());
    assertEquals(List.of("write"), d.granted());
    assertEquals(List.of("p/writes-need-finance"), ruleNames(d));
    assertEquals(List.of("approval_required"), reasons(d));
    assertEquals(List.of(new RequiredApproval("p", 0, "writes-need-finance",
        new Approval(Duration.ofHours(1), Approval.Reuse.UNTIL_EXPIRY, List.of("finance", "ops")))), d.approvals());
    assertEquals(Optional.of(Duration.ofHours(1)), d.approvalTtl());
    assertEquals(Optional.of(Approval.Reuse.UNTIL_EXPIRY), d.approvalReuse());
  }

  @Test
  void decide_twoRulesHold_shortestTtlOnceAndAnApproverEveryRuleAccepts() {
    Decision d = decide("DELETE", "");

    assertEquals(Verdict.APPROVAL_REQUIRED, d.verdict());
    assertEquals(List.of("p/writes-need-finance", "p/writes-need-security"), ruleNames(d));
    assertEquals(Optional.of(Duration.ofMinutes(10)), d.approvalTtl());
    assertEquals(Optional.of(Approval.Reuse.ONCE), d.approvalReuse());
    assertTrue(d.mayBeApprovedBy(Set.of("ops")));
    assertFalse(d.mayBeApprovedBy(Set.of("finance")));
    assertFalse(d.mayBeApprovedBy(Set.of("security")));
    assertTrue(d.mayBeApprovedBy(Set.of("finance", "security")));
  }

  @Test
  void decide_matchingApproval_allowsNamingTheSatisfiedRule() {
    Decision d = decide("POST", "apr_1");

    assertEquals(Verdict.ALLOW, d.verdict());
    assertTrue(d.allowed());
    assertEquals(List.of("p/all", "p/writes-need-finance"), ruleNames(d));
    assertEquals(List.of("allowed_by_approval"), reasons(d));
    assertEquals(List.of("writes-need-finance"), d.approvals().stream().map(RequiredApproval::rule).toList());
  }

  @Test
  void decide_approvalWithoutRequireApprovalRule_isAPlainAllow() {
    Decision d = SET.decide(input("{resource: {id: 'resource://api'}, request: {phase: request, scopes: [read]},"
        + " context: {approval_id: apr_1}}"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("allowed_by_rule"), reasons(d));
    assertEquals(List.of(), d.approvals());
    assertFalse(d.mayBeApprovedBy(Set.of("ops")));
  }

  @Test
  void decide_noRuleNamesGroups_anyApproverMay() {
    CompiledPolicySet set = compile(policy("p",
        rule("all", "allow", "[write]", null) + rule("ask", "require_approval", "[write]", null)));

    Decision d = set.decide(request("[write]"));

    assertEquals(Approval.DEFAULT, d.approvals().get(0).approval());
    assertTrue(d.mayBeApprovedBy(Set.of()));
  }

  @Test
  void decide_scopeMatchAny_anyGrantedScopeHeldHoldsTheRequest() {
    Decision d = SET.decide(request("[read, write]").withScopeMatch(ScopeMatch.ANY));

    assertEquals(Verdict.APPROVAL_REQUIRED, d.verdict());
    assertEquals(List.of("read", "write"), d.granted());
  }

  @Test
  void decide_phaseIssue_requireApprovalNeverChangesTheDecisionAndUnknownIsDeferred() {
    Decision d = SET.decide(input("{resource: {id: 'resource://api'}, request: {phase: issue, scopes: [write]}}"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("p/all"), ruleNames(d));
    assertEquals(List.of(), d.approvals());
    assertEquals(Outcome.TRUE, evaluated(d, "p/writes-need-finance").outcome());
    assertFalse(evaluated(d, "p/writes-need-finance").deferred());
    assertEquals(Outcome.UNKNOWN, evaluated(d, "p/writes-need-security").outcome());
    assertTrue(evaluated(d, "p/writes-need-security").deferred());
  }

  @Test
  void toJson_approvalRequired_roundTripsWithItsSettings() {
    for (Decision d : List.of(decide("DELETE", ""), decide("POST", "apr_1"))) {
      assertEquals(d, DecisionJson.fromJson(DecisionJson.toJson(d)));
    }
    var json = DecisionJson.toJson(decide("POST", ""));
    assertEquals("approval_required", json.path("decision").asText());
    assertEquals(3600, json.at("/approvals/0/ttlSeconds").asInt());
    assertEquals("until_expiry", json.at("/approvals/0/reuse").asText());
    assertEquals("finance", json.at("/approvals/0/approvers/0").asText());
    assertEquals("require_approval", json.at("/rules/0/effect").asText());
  }
}
