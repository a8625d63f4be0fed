package run.caracal.control.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import run.caracal.control.app.Application;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.Attempt.Bounded;
import run.caracal.control.pipeline.memory.MemoryDecisionLog;
import run.caracal.control.pipeline.memory.MemoryReads;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.InputMasker;
import run.caracal.decision.Reason;
import run.caracal.decision.Stage;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.ledger.LedgerException;
import run.caracal.policy.input.Request;

/** The pipeline over in-memory ports: every stage, the record it leaves, the outcome it answers. */
class DecisionPipelineTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  private static final String ZONE = "zone_1";
  private static final String API = "resource://api";

  private final MemoryReads reads = new MemoryReads();
  private final MemoryDecisionLog log = new MemoryDecisionLog();
  private final DecisionPipeline pipeline = new DecisionPipeline(reads, reads.apps(), reads, log,
      new InputMasker(List.of("request.headers.x-secret"), new byte[32]), Clock.fixed(NOW, ZoneOffset.UTC), new CaracalMetrics());

  DecisionPipelineTest() {
    reads.put(new Application("app_1", ZONE, "agent", List.of(), Map.of(), true, NOW))
        .put(new Application("app_off", ZONE, "off", List.of(), Map.of(), false, NOW))
        .put(session("ses_root", List.of("ses_root"), List.of()))
        .put(session("ses_child", List.of("ses_root", "ses_child"), List.of("read")))
        .put(new ResourceBinding(ZONE, API, List.of("read", "write"), List.of(), Map.of(), Optional.of("http://127.0.0.1:1"),
            List.of(), Optional.empty(), Optional.empty(), false, NOW, NOW));
  }

  private static SessionRecord session(String id, List<String> lineage, List<String> scopes) {
    return new SessionRecord(id, ZONE, "app_1", lineage.size() > 1 ? Optional.of(lineage.get(lineage.size() - 2)) : Optional.empty(),
        lineage.get(0), lineage, lineage.size() - 1, scopes, List.of(), false, NOW.minusSeconds(60), NOW.plusSeconds(600),
        Optional.empty());
  }



  private static final String READS = "- {name: reads, effect: allow, scopes: [read]}";

  private Attempt attempt(String app, String session, List<String> scopes, ScopeMatch match, Attempt.Bounds bounds) {
    return new Attempt("req_1", "trace_1", "10.0.0.1", Phase.REQUEST, ZONE, app,
        new Attempt.SessionRef.Existing(session, Optional.of("jti_1")), API, reads.find(ZONE, API), Call.http("GET", "/x"),
        Request.newBuilder().setPhase("request").setMethod("GET").setPath("/x").putHeaders("x-secret", "s3cret")
            .addAllScopes(scopes).build(), match, bounds);
  }

  private Outcome decide(Attempt attempt) {
    return pipeline.decide(attempt).join();
  }

  @Test
  void decide_allowedByTheActiveSet_grantsAndRecordsTheMaskedInputFirst() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty()));

    Outcome outcome = decide(attempt("app_1", "ses_child", List.of("read"), ScopeMatch.ALL, Attempt.Bounds.NONE));

    Outcome.Granted granted = assertInstanceOf(Outcome.Granted.class, outcome);
    assertEquals(List.of("read"), granted.granted());
    DecisionRecord r = log.last();
    assertEquals(r, granted.record(), "the answer is the record that was made durable");
    assertTrue(r.allowed());
    assertEquals("prod", r.policySet().orElseThrow().name());
    assertEquals(List.of(new DecisionRecord.Hop("app_1", "ses_root")), r.session().orElseThrow().chain());
    assertEquals(List.of("request.headers.x-secret"), r.input().orElseThrow().masked());
    assertFalse(r.input().orElseThrow().json().contains("s3cret"));
    assertEquals(1, r.input().get().toDecisionInput().delegation().getDepth(), "the input replays with its delegation");
  }

  @Test
  void decide_noActiveSet_isTheEngineDecisionNoActivePolicySet() {
    Outcome outcome = decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, Attempt.Bounds.NONE));

    Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class, outcome);
    assertEquals(Reason.NO_ACTIVE_POLICY_SET, refused.reason());
    assertEquals("no_active_policy_set", log.last().decision().orElseThrow().reasons().get(0).id());
    assertEquals(Stage.POLICY, log.last().refusal().orElseThrow().stage());
  }

  @Test
  void decide_requireApprovalHolds_refusedAsApprovalRequiredAndNothingGranted() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod",
        READS + "\n- {name: ask, effect: require_approval, scopes: [read], approval: {ttl: 5m}}")), Optional.empty()));

    Outcome outcome = decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, Attempt.Bounds.NONE));

    Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class, outcome);
    assertEquals(Reason.APPROVAL_REQUIRED, refused.reason());
    assertEquals(403, Reason.APPROVAL_REQUIRED.httpStatus());
    DecisionRecord r = log.last();
    assertFalse(r.allowed());
    assertEquals("approval_required", r.decision().orElseThrow().verdict().id());
    assertEquals("ask", r.decision().orElseThrow().approvals().get(0).rule());
    assertEquals(Stage.POLICY, r.refusal().orElseThrow().stage());
  }

  @Test
  void decide_anyScope_oneEngineCallNamesTheGrantingScope() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty()));

    Outcome outcome = decide(attempt("app_1", "ses_root", List.of("write", "read"), ScopeMatch.ANY, Attempt.Bounds.NONE));

    assertEquals(List.of("read"), assertInstanceOf(Outcome.Granted.class, outcome).granted());
    assertEquals(1, log.records().size());
  }

  @Test
  void decide_revokedAncestor_refusesAsSessionRevokedBeforeTheEngine() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty())).terminate("ses_root", NOW);

    Outcome outcome = decide(attempt("app_1", "ses_child", List.of("read"), ScopeMatch.ALL, Attempt.Bounds.NONE));

    assertEquals(Reason.SESSION_REVOKED, assertInstanceOf(Outcome.Refused.class, outcome).reason());
    assertEquals(Optional.empty(), log.last().decision(), "the engine was not asked");
    assertEquals(Stage.LIVENESS, log.last().refusal().orElseThrow().stage());
    assertEquals(401, log.last().refusal().get().status());
  }

  @Test
  void decide_revokedTokenUnknownSessionDisabledApp_eachHasItsReason() {
    reads.revokeToken("jti_1");
    assertEquals(Reason.TOKEN_REVOKED, ((Outcome.Refused) decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, null))).reason());
    assertEquals(Reason.SESSION_UNKNOWN, ((Outcome.Refused) decide(attempt("app_1", "ses_gone", List.of("read"), ScopeMatch.ALL, null))).reason());
    reads.put(session("ses_off", List.of("ses_off"), List.of()));
  }

  @Test
  void decide_appDisabled_refusedAfterLiveness() {
    SessionRecord s = session("ses_x", List.of("ses_x"), List.of());
    reads.put(new SessionRecord(s.id(), ZONE, "app_off", Optional.empty(), s.rootId(), s.lineage(), 0, List.of(), List.of(), false,
        s.createdAt(), s.expiresAt(), Optional.empty()));

    Outcome outcome = decide(attempt("app_off", "ses_x", List.of("read"), ScopeMatch.ALL, null));

    assertEquals(Reason.APP_DISABLED, assertInstanceOf(Outcome.Refused.class, outcome).reason());
  }

  @Test
  void decide_edgeBoundsRefuse_recordedAtStageBoundsWithoutAnEngineCall() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty()));

    Outcome outcome = decide(attempt("app_1", "ses_child", List.of("write"), ScopeMatch.ALL,
        (session, scopes) -> session.scopes().containsAll(scopes) ? Bounded.within(scopes)
            : Bounded.outside(Reason.SCOPE_OUTSIDE_SESSION, "scope outside the session")));

    Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class, outcome);
    assertEquals("scope outside the session", refused.message());
    assertEquals(Stage.BOUNDS, log.last().refusal().orElseThrow().stage());
    assertEquals(Optional.empty(), log.last().decision());
  }

  @Test
  void decide_shadowSetDisagrees_isInTheSameRecord() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.of(SampleSets.set("candidate", "- {name: nothing, effect: allow, scopes: [write]}"))));

    decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, null));

    DecisionRecord r = log.last();
    assertTrue(r.allowed());
    assertEquals("candidate", r.shadow().orElseThrow().policySet().name());
    assertTrue(r.shadowDisagrees());
    assertEquals(1, log.records().size(), "one record, no separate disagreement event");
  }

  @Test
  void decide_logCannotCommit_isUnrecordedWhateverTheDecision() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty()));
    log.failing(true);

    assertInstanceOf(Outcome.Unrecorded.class, decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, null)));
    Outcome.Unrecorded refused = assertInstanceOf(Outcome.Unrecorded.class,
        decide(attempt("app_1", "ses_gone", List.of("read"), ScopeMatch.ALL, null)));
    assertEquals(Reason.LEDGER_UNAVAILABLE, refused.reason());
  }

  @Test
  void decide_ledgerQueueFull_isUnrecordedAsOverloaded() {
    reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", READS)), Optional.empty()));
    DecisionLog full = (record, token) -> CompletableFuture.failedFuture(
        new CompletionException(new LedgerException("ledger_overloaded", "the ledger queue is full")));
    DecisionPipeline overloaded = new DecisionPipeline(reads, reads.apps(), reads, full, new InputMasker(List.of(), new byte[32]),
        Clock.fixed(NOW, ZoneOffset.UTC), new CaracalMetrics());

    Outcome.Unrecorded outcome = assertInstanceOf(Outcome.Unrecorded.class,
        overloaded.decide(attempt("app_1", "ses_root", List.of("read"), ScopeMatch.ALL, null)).join());
    assertEquals(Reason.OVERLOADED, outcome.reason());
    assertEquals(503, outcome.reason().httpStatus());
  }

  @Test
  void refuse_beforeThePipeline_recordsTheRefusalWithWhatWasKnown() {
    Outcome outcome = pipeline.refuse("req_2", "", "", Phase.REQUEST, ZONE, Optional.of("app_1"), Optional.empty(), Optional.empty(),
        API, Call.http("GET", "/x"), Request.newBuilder().setPhase("request").build(),
        new Attempt.Refusal(Reason.TOKEN_EXPIRED, "token has expired")).join();

    assertEquals(Reason.TOKEN_EXPIRED, assertInstanceOf(Outcome.Refused.class, outcome).reason());
    DecisionRecord r = log.last();
    assertEquals("agent", r.app().orElseThrow().name());
    assertEquals(Stage.TOKEN, r.refusal().orElseThrow().stage());
    assertEquals("token_expired", r.reason());
  }
}
