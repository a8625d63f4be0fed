package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.rules;

import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.model.Verdict;

/** `scopeMatch: any`: one decision allows when any one requested scope is granted, and names which. */
class DecideScopeMatchTest {
  private final CompiledPolicySet set = compile(policy("p",
      rule("reads", "allow", "[read]", null)
          + rule("writes", "allow", "[write]", "request.method == 'POST'")
          + rule("no-admin", "deny", "[admin]", null)));

  private static DecisionInput any(String scopes, String method) {
    return input("{resource: {id: 'resource://api'}, request: {phase: request, method: " + method + ", scopes: " + scopes + "}}")
        .withScopeMatch(ScopeMatch.ANY);
  }

  @Test
  void decide_anyWithOneScopeGranted_allowsNamingOnlyThatScope() {
    Decision d = set.decide(any("[write, read]", "GET"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of("read"), d.granted());
    assertEquals(List.of("p/reads@read"), rules(d));
    assertEquals(List.of("allowed_by_rule"), reasons(d));
  }

  @Test
  void decide_anyWithSeveralGranted_grantsEachInRequestOrder() {
    Decision d = set.decide(any("[write, read]", "POST"));

    assertEquals(List.of("write", "read"), d.granted());
    assertEquals(List.of("p/writes@write", "p/reads@read"), rules(d));
  }

  @Test
  void decide_anyWithNoScopeGranted_deniesWithTheDenyRules() {
    Decision d = set.decide(any("[admin, write]", "GET"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of(), d.granted());
    assertEquals(List.of("p/no-admin@admin"), rules(d));
    assertEquals(List.of("denied_by_rule", "no_matching_rule"), reasons(d));
  }

  @Test
  void decide_allIsStillTheDefault_oneMissingScopeDenies() {
    Decision d = set.decide(any("[write, read]", "GET").withScopeMatch(ScopeMatch.ALL));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("read"), d.granted());
  }
}
