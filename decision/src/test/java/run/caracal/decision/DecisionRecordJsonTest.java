package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.Hop;
import run.caracal.decision.DecisionRecord.Refusal;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.source.SourceFile;

class DecisionRecordJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00.123456Z");
  private static final InputMasker MASKER = new InputMasker(InputMasker.DEFAULT_PATHS, new byte[32]);

  static DecisionInput input() {
    return new DecisionInput(null, null, null, Resource.newBuilder().setId("resource://api").build(),
        Request.newBuilder().setPhase("request").addScopes("read").setMethod("GET").setPath("/x").build(), null, NOW,
        ScopeMatch.ANY);
  }

  private static ObjectNode event(String type, String explanation) throws Exception {
    ObjectNode e = MAPPER.createObjectNode().put("type", type).put("request_id", "req_1").put("occurred_at", NOW.toString());
    e.set("explanation", MAPPER.readTree(explanation));
    return e;
  }

  @Test
  void read_whatWriteWrote_isTheSameRecord() throws Exception {
    DecisionInput input = input();
    DecisionRecord record = new DecisionRecord(1, "req_1", "trace_1", Phase.REQUEST, NOW, "zone_1",
        Optional.of(new AppRef("app_1", "agent", "zone_1")),
        Optional.of(new SessionRef("ses_2", "ses_1", 1, false, List.of(new Hop("app_0", "ses_1")))), "resource://api",
        Call.http("GET", "/x"), Optional.of(MASKER.record(input)), Optional.of(Decision.noActivePolicySet(input)),
        Optional.of(Refusal.of(Reason.NO_ACTIVE_POLICY_SET, 403)), Optional.empty());

    DecisionRecord read = DecisionRecordJson.read(event("gateway.decision", DecisionRecordJson.write(record)));

    assertEquals(record, read);
    assertEquals(input, read.input().orElseThrow().toDecisionInput(), "the recorded input replays as it was decided");
    assertFalse(read.allowed());
    assertEquals("no_active_policy_set", read.reason());
    assertEquals(Optional.empty(), read.policySet(), "no set decided");
  }

  @Test
  void read_approvalRequiredRecord_keepsTheVerdictTheApprovalSettingsAndTheApprovalId() throws Exception {
    CompiledPolicySet set = LocalPolicySet.compile(new BundleCompiler().compile(List.of(new SourceFile("p.yaml", """
        apiVersion: caracal.run/v1
        kind: Resource
        metadata: {name: api}
        spec: {id: "resource://api", scopes: [read]}
        ---
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
            - {name: reads, effect: allow, scopes: [read]}
            - {name: ask, effect: require_approval, scopes: [read], approval: {ttl: 2h, approvers: [ops]}}
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: s}
        spec: {policies: [p]}
        """))), "s");
    DecisionInput held = input();
    DecisionInput approved = new DecisionInput(held.principal(), held.session(), held.delegation(), held.resource(),
        held.request(), Context.newBuilder().setApprovalId("apr_1").build(), NOW, ScopeMatch.ANY);
    for (DecisionInput in : List.of(held, approved)) {
      Decision d = set.decide(in);
      DecisionRecord record = new DecisionRecord(1, "req_1", "", Phase.REQUEST, NOW, "zone_1", Optional.empty(),
          Optional.empty(), "resource://api", Call.http("GET", "/x"), Optional.of(MASKER.record(in)), Optional.of(d),
          d.allowed() ? Optional.empty() : Optional.of(Refusal.of(Reason.APPROVAL_REQUIRED, 403)), Optional.empty());

      DecisionRecord read = DecisionRecordJson.read(event("gateway.decision", DecisionRecordJson.write(record)));

      assertEquals(record, read);
      assertEquals(in.context().getApprovalId(), read.input().orElseThrow().toDecisionInput().context().getApprovalId());
    }
    assertEquals("approval_required", set.decide(held).verdict().id());
    assertEquals("allowed_by_approval", set.decide(approved).reasons().get(0).id());
  }

  @Test
  void read_explanationAsText_asTheExportHoldsIt() throws Exception {
    DecisionRecord record = new DecisionRecord(1, "req_1", "", Phase.ISSUE, NOW, "", Optional.empty(), Optional.empty(),
        "resource://api", Call.grant("client_credentials"), Optional.empty(), Optional.empty(),
        Optional.of(Refusal.of(Reason.SCOPE_MISSING, 400)), Optional.empty());
    ObjectNode e = MAPPER.createObjectNode().put("type", "authorization").put("explanation", DecisionRecordJson.write(record));

    assertEquals(record, DecisionRecordJson.read(e));
  }

  @Test
  void read_newerVersion_isRefusedNamingIt() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DecisionRecordJson.read(event("authorization", "{\"record\": 2}")));
    assertEquals("decision record version 2 is newer than this reader", e.getMessage());
  }

  @Test
  void read_notADecisionEvent_isRefused() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> DecisionRecordJson.read(event("session.opened", "{}")));
  }

  @Test
  void record_withNeitherDecisionNorRefusal_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DecisionRecord(1, "r", "", Phase.ISSUE, NOW, "", Optional.empty(),
        Optional.empty(), "", Call.NONE, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
  }

  @Test
  void shadowDisagrees_onlyWhenTheEffectsDiffer() {
    Decision deny = Decision.noActivePolicySet(input());
    DecisionRecord same = new DecisionRecord(1, "r", "", Phase.REQUEST, NOW, "", Optional.empty(), Optional.empty(), "",
        Call.NONE, Optional.empty(), Optional.of(deny), Optional.empty(), Optional.of(deny));

    assertFalse(same.shadowDisagrees());
    assertTrue(same.shadow().isPresent());
  }
}
