package run.caracal.engine.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.request;
import static run.caracal.engine.Fixture.rule;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.policy.model.Verdict;

class DecisionJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void fromJson_whatToJsonWrote_isTheSameDecision() {
    CompiledPolicySet set = compile(policy("p",
        rule("reads", "allow", "[read]", null)
            + rule("broken", "deny", "[write]", "principal.attributes['team'] == 'x'")));
    for (Decision d : List.of(set.decide(request("[read]")), set.decide(request("[read, write]")),
        set.decide(input("{resource: {id: 'resource://api'}, request: {phase: issue, scopes: [read]}}")))) {
      assertEquals(d, DecisionJson.fromJson(DecisionJson.toJson(d)));
    }
  }

  @Test
  void fromJson_legacyStringErrors_keepPolicyRuleAndMessage() throws Exception {
    Decision d = DecisionJson.fromJson(MAPPER.readTree("""
        {"decision":"deny","phase":"request","scopes":{"requested":["read"],"granted":[]},
         "reasons":["condition_error","no_matching_rule"],"errors":["p/small: no such key: amount"]}"""));

    assertEquals(List.of(new EvaluationError("p", 0, "small", "", "no such key: amount")), d.errors());
    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(PolicySetRef.NONE, d.policySet());
  }

  @Test
  void fromJson_unknownReason_isRefusedNamingIt() throws Exception {
    var json = MAPPER.readTree("{\"decision\":\"deny\",\"reasons\":[\"made_up\"]}");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecisionJson.fromJson(json));
    assertEquals("unknown reason code `made_up`", e.getMessage());
  }

  @Test
  void noActivePolicySet_deniesEveryRequestedScopeWithItsReason() {
    Decision d = Decision.noActivePolicySet(request("[read, write]"));

    assertEquals(Verdict.DENY, d.verdict());
    assertEquals(List.of("read", "write"), d.requested());
    assertEquals(List.of(ReasonCode.NO_ACTIVE_POLICY_SET), d.reasons());
    assertEquals(PolicySetRef.NONE, d.policySet());
  }
}
