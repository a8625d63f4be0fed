package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.Replay.Change;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.model.Verdict;
import run.caracal.policy.source.SourceFile;

/** Replaying records against a candidate, and the report's groups and bounds. */
class ReplayTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  private static final InputMasker MASKER = new InputMasker(List.of("request.headers.x-secret"), new byte[32]);

  private static CompiledPolicySet set(String rules) {
    return LocalPolicySet.compile(new BundleCompiler().compile(List.of(new SourceFile("p.yaml", """
        apiVersion: caracal.run/v1
        kind: Resource
        metadata: {name: api}
        spec: {id: "resource://api", scopes: [read, write]}
        ---
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
        %s
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: s}
        spec: {policies: [p]}
        """.formatted(rules.indent(4))))), "s");
  }

  private static DecisionRecord record(CompiledPolicySet active, String id, String scope, String secretHeader) {
    Request.Builder r = Request.newBuilder().setPhase("request").setMethod("GET").setPath("/").addScopes(scope);
    if (secretHeader != null) {
      r.putHeaders("x-secret", secretHeader);
    }
    DecisionInput input = new DecisionInput(null, null, null, Resource.newBuilder().setId("resource://api").build(), r.build(), null, NOW);
    return new DecisionRecord(1, id, "", Phase.REQUEST, NOW, "z", Optional.of(new AppRef("app_1", "agent", "z")), Optional.empty(),
        "resource://api", Call.http("GET", "/"), Optional.of(MASKER.record(input)), Optional.of(active.decide(input)), Optional.empty(),
        Optional.empty());
  }

  @Test
  void replay_candidateDropsAnAllowRule_allowToDenyWithNoGrantingRule() {
    CompiledPolicySet active = set("- {name: reads, effect: allow, scopes: [read]}\n- {name: writes, effect: allow, scopes: [write]}");
    CompiledPolicySet candidate = set("- {name: reads, effect: allow, scopes: [read]}");
    ImpactReport report = new ImpactReport(candidate.ref(), 1);

    for (int i = 0; i < 5; i++) {
      Replay.replay(record(active, "req_" + i, i % 2 == 0 ? "write" : "read", null), candidate, (p, m) -> false).ifPresent(report::add);
    }

    assertEquals(5, report.total());
    assertEquals(3, report.count(Change.ALLOW_TO_DENY));
    assertEquals(2, report.count(Change.UNCHANGED));
    assertEquals(1, report.changes().size(), "at most --limit changes are listed, all are counted");
    assertEquals(3, report.byRule().get(ImpactReport.NO_GRANT).allowToDeny());
    assertEquals(List.of("req_0", "req_2", "req_4"), report.byApp().get("agent (app_1)").samples());
    assertTrue(report.changed());
  }

  @Test
  void replay_candidateAddsARequireApprovalRule_allowToApprovalCountsAsAChange() {
    CompiledPolicySet active = set("- {name: reads, effect: allow, scopes: [read, write]}");
    CompiledPolicySet candidate = set("- {name: reads, effect: allow, scopes: [read, write]}\n"
        + "- {name: ask, effect: require_approval, scopes: [write]}");
    ImpactReport report = new ImpactReport(candidate.ref(), 10);

    Replay.replay(record(active, "r1", "write", null), candidate, (p, m) -> false).ifPresent(report::add);
    Replay.replay(record(active, "r2", "read", null), candidate, (p, m) -> false).ifPresent(report::add);
    Replay.replay(record(candidate, "r3", "write", null), active, (p, m) -> false).ifPresent(report::add);

    assertEquals(1, report.count(Change.ALLOW_TO_APPROVAL));
    assertEquals(1, report.count(Change.APPROVAL_TO_ALLOW));
    assertEquals(1, report.count(Change.UNCHANGED));
    assertEquals(0, report.count(Change.ALLOW_TO_DENY));
    assertTrue(report.changed());
    assertEquals(1, report.byRule().get("p@0/ask").count(Change.ALLOW_TO_APPROVAL));
    var json = report.toJson();
    assertEquals(1, json.at("/summary/allow_to_approval").asInt());
    assertEquals(1, json.at("/summary/approval_to_allow").asInt());
    assertEquals("approval_required", json.at("/changes/0/to").asText());
  }

  @Test
  void change_between_namesEveryPairOfVerdicts() {
    assertEquals(Change.UNCHANGED, Change.between(Verdict.APPROVAL_REQUIRED, Verdict.APPROVAL_REQUIRED));
    assertEquals(Change.ALLOW_TO_DENY, Change.between(Verdict.ALLOW, Verdict.DENY));
    assertEquals(Change.DENY_TO_ALLOW, Change.between(Verdict.DENY, Verdict.ALLOW));
    assertEquals(Change.ALLOW_TO_APPROVAL, Change.between(Verdict.ALLOW, Verdict.APPROVAL_REQUIRED));
    assertEquals(Change.APPROVAL_TO_ALLOW, Change.between(Verdict.APPROVAL_REQUIRED, Verdict.ALLOW));
    assertEquals(Change.DENY_TO_APPROVAL, Change.between(Verdict.DENY, Verdict.APPROVAL_REQUIRED));
    assertEquals(Change.APPROVAL_TO_DENY, Change.between(Verdict.APPROVAL_REQUIRED, Verdict.DENY));
  }

  @Test
  void replay_candidateReadsAMaskedHeader_indeterminate() {
    CompiledPolicySet active = set("- {name: reads, effect: allow, scopes: [read]}");
    CompiledPolicySet candidate = set("- {name: reads, effect: allow, scopes: [read], when: \"request.headers['x-secret'] == 'open'\"}");

    Replay.Replayed masked = Replay.replay(record(active, "r1", "read", "open"), candidate, (p, path) -> path.startsWith("request.headers"))
        .orElseThrow();
    Replay.Replayed plain = Replay.replay(record(active, "r2", "read", null), candidate, (p, path) -> true).orElseThrow();

    assertEquals(Change.INDETERMINATE, masked.change(), "never guessed from the fingerprint");
    assertEquals(Change.ALLOW_TO_DENY, plain.change(), "nothing masked: decided for real");
  }

  @Test
  void replay_recordRefusedBeforeTheEngine_isNotReplayable() {
    DecisionRecord refused = new DecisionRecord(1, "r", "", Phase.REQUEST, NOW, "z", Optional.empty(), Optional.empty(), "resource://api",
        Call.NONE, Optional.empty(), Optional.empty(), Optional.of(DecisionRecord.Refusal.of(Reason.TOKEN_EXPIRED, 401)),
        Optional.empty());

    assertTrue(Replay.replay(refused, set("- {name: reads, effect: allow, scopes: [read]}"), (p, m) -> false).isEmpty());
  }
}
