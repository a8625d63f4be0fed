package run.caracal.gateway.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.app.Application;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.db.Jdbc;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.LedgerDecisionLog;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.token.TokenVerifier;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.InputMasker;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.GatewayFixture;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;

/** A request a `require_approval` rule holds, through the Gateway's decision and a real approval store on H2. */
class ApprovalFlowTest {
  @TempDir Path keys;
  private final GatewayFixture f = new GatewayFixture();
  private Ledger ledger;
  private AdminAudit audit;
  private ApprovalStore store;

  @BeforeEach
  void setUp() {
    ledger = Ledger.open(LedgerConfig.dataSource(f.dataSource, keys));
    Jdbc jdbc = new Jdbc(f.dataSource);
    audit = new AdminAudit(ledger, jdbc);
    store = new ApprovalStore(jdbc, audit, f.clock);
    f.authorizer.withApprovals(store);
    f.reads.put(new ZonePolicies(GatewayFixture.ZONE, Optional.of(SampleSets.set("prod", """
        - {name: reads, effect: allow, scopes: [read]}
        - {name: big-exports, effect: require_approval, scopes: [read], when: "request.path.startsWith('/exports')"}
        """)), Optional.empty()));
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  private GatewayRequest request(String path, String requestId) {
    return new GatewayRequest("GET", path, Map.of("authorization", "Bearer " + f.token(GatewayFixture.API, "read"),
        "x-caracal-resource", GatewayFixture.API), "10.0.0.1", requestId, "", Optional.empty());
  }

  private GatewayException refusal(GatewayRequest request) {
    CompletionException e = assertThrows(CompletionException.class, () -> f.authorizer.authorize(request).join());
    return assertInstanceOf(GatewayException.class, e.getCause());
  }

  @Test
  void heldRequest_approvedOnce_thenHeldAgain_andAChangedRequestNeedsItsOwn() {
    GatewayException first = refusal(request("/exports/all", "req_1"));
    GatewayException again = refusal(request("/exports/all", "req_2"));
    GatewayException other = refusal(request("/exports/other", "req_3"));

    assertEquals(403, first.status());
    assertEquals("approval_required", first.reason());
    String id = first.approvalId().orElseThrow();
    assertTrue(id.startsWith("apr_"), id);
    assertEquals(GatewayException.APPROVAL_RETRY_SECONDS, first.retryAfterSeconds());
    assertEquals(Optional.of(id), again.approvalId(), "an identical pending request shares the approval");
    assertNotEquals(Optional.of(id), other.approvalId(), "a changed request needs a new approval");
    assertEquals(Approval.State.PENDING, store.find(id).orElseThrow().state());

    store.decide(id, true, "alice", Optional.of("quarterly export"));
    Authorized allowed = f.authorizer.authorize(request("/exports/all", "req_4")).join();

    assertEquals(List.of("read"), allowed.scopesUsed());
    DecisionRecord record = f.log.last();
    assertTrue(record.allowed());
    assertEquals(id, record.input().orElseThrow().toDecisionInput().context().getApprovalId());
    assertEquals(Approval.State.USED, store.find(id).orElseThrow().state());
    GatewayException afterUse = refusal(request("/exports/all", "req_5"));
    assertNotEquals(Optional.of(id), afterUse.approvalId(), "a `once` approval is used up");
  }

  @Test
  void deniedApproval_answersApprovalDenied() {
    String id = refusal(request("/exports/all", "req_1")).approvalId().orElseThrow();
    store.decide(id, false, "bob", Optional.empty());

    GatewayException denied = refusal(request("/exports/all", "req_2"));

    assertEquals("approval_denied", denied.reason());
    assertEquals(Optional.of(id), denied.approvalId());
  }

  @Test
  void requestNoRuleHolds_isNotHeld() {
    Authorized a = f.authorizer.authorize(request("/items/1", "req_1")).join();

    assertEquals(List.of("read"), a.scopesUsed());
    assertEquals(List.of(), store.list(GatewayFixture.ZONE, Optional.empty(), 10));
  }

  private GatewayRequest post(String requestId, String body) {
    return new GatewayRequest("POST", "/exports/all", Map.of("authorization", "Bearer " + f.token(GatewayFixture.API, "read"),
        "x-caracal-resource", GatewayFixture.API, "content-length", String.valueOf(body.length())), "10.0.0.1", requestId, "",
        Optional.empty());
  }

  @Test
  void bodyOfARequestThatMayBeHeld_isReadBeforeDeciding_andTheApprovalBindsIt() {
    assertEquals(OptionalInt.of(GatewayAuthorizer.APPROVAL_BODY_LIMIT), f.authorizer.bufferLimit(post("req_0", "{}")),
        "the resource has no body inspection, but its policies may hold a request for approval");
    assertEquals(OptionalInt.empty(), f.authorizer.bufferLimit(request("/exports/all", "req_0")), "no body to read");

    String first = refusal(post("req_1", "{\"amount\":1}").withBody("{\"amount\":1}".getBytes(StandardCharsets.UTF_8)))
        .approvalId().orElseThrow();
    String same = refusal(post("req_2", "{\"amount\":1}").withBody("{\"amount\":1}".getBytes(StandardCharsets.UTF_8)))
        .approvalId().orElseThrow();
    String changed = refusal(post("req_3", "{\"amount\":9}").withBody("{\"amount\":9}".getBytes(StandardCharsets.UTF_8)))
        .approvalId().orElseThrow();

    assertEquals(first, same, "the same body shares the approval");
    assertNotEquals(first, changed, "another body needs its own approval");
  }

  @Test
  void heldRequest_decisionRecordedInTheLedger_opensItsApprovalWithoutStallingTheLedgerWriter() {
    // as in the server: the decision record goes to the ledger, whose writer thread completes the
    // decision's future; the approval's own event must not wait for that thread (it once waited 10 s)
    DecisionPipeline pipeline = new DecisionPipeline(f.reads, f.reads.apps(), f.reads, new LedgerDecisionLog(ledger),
        new InputMasker(List.of(), new byte[32]), f.clock, new CaracalMetrics());
    GatewayAuthorizer authorizer = new GatewayAuthorizer(pipeline, f.reads, f.reads, f.reads.apps(),
        new TokenVerifier(f.keys, GatewayFixture.ISSUER, f.clock, Duration.ofSeconds(30)), new UpstreamGuard(true, true), f.clock,
        new RateLimiter(1000, 1000, System::nanoTime), new CaracalMetrics()).withApprovals(store);
    long started = System.nanoTime();

    CompletionException e = assertThrows(CompletionException.class, () -> authorizer.authorize(request("/exports/all", "req_1")).join());
    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();

    GatewayException held = assertInstanceOf(GatewayException.class, e.getCause());
    assertEquals("approval_required", held.reason());
    assertTrue(millis < 5_000, "the held request was answered after " + millis + " ms");
    assertEquals(0, audit.pending(), "`approval.requested` reached the ledger at once, not through a later drain");
    assertEquals(Approval.State.PENDING, store.find(held.approvalId().orElseThrow()).orElseThrow().state());
  }

  private void sessions() {
    f.reads.put(new Application("app_2", GatewayFixture.ZONE, "other", List.of(), Map.of(), true, GatewayFixture.NOW));
    f.reads.put(session("ses_1c", "app_1", Optional.of("ses_1"), "ses_1", List.of("ses_1", "ses_1c")))
        .put(session("ses_9", "app_1", Optional.empty(), "ses_9", List.of("ses_9")))
        .put(session("ses_2", "app_2", Optional.empty(), "ses_2", List.of("ses_2")));
  }

  private static SessionRecord session(String id, String app, Optional<String> parent, String root, List<String> lineage) {
    return new SessionRecord(id, GatewayFixture.ZONE, app, parent, root, lineage, lineage.size() - 1, List.of(), List.of(), false,
        GatewayFixture.NOW.minusSeconds(60), GatewayFixture.NOW.plusSeconds(600), Optional.empty());
  }

  private String bearer(String app, String session) {
    return "Bearer " + f.token(GatewayFixture.API, "read", app, session);
  }

  @Test
  void approvalStatus_tokenOfItsAppAndRootSession_pendingThenApprovedWithDecisionTime() throws Exception {
    sessions();
    String id = refusal(request("/exports/all", "req_1")).approvalId().orElseThrow();

    Map<String, Object> pending = f.authorizer.approvalStatus(bearer("app_1", "ses_1"), id);
    Map<String, Object> fromChild = f.authorizer.approvalStatus(bearer("app_1", "ses_1c"), id);
    store.decide(id, true, "alice", Optional.empty());
    Map<String, Object> approved = f.authorizer.approvalStatus(bearer("app_1", "ses_1"), id);

    assertEquals(id, pending.get("approval_id"));
    assertEquals("pending", pending.get("state"));
    assertEquals(GatewayFixture.NOW.plus(Approval.PENDING_FOR).toString(), pending.get("expires_at"));
    assertEquals(false, pending.containsKey("decided_at"));
    assertEquals("pending", fromChild.get("state"), "a session under the same root session may ask");
    assertEquals("approved", approved.get("state"));
    assertEquals(GatewayFixture.NOW.toString(), approved.get("decided_at"));
  }

  @Test
  void approvalStatus_otherAppOtherRootSessionOrUnknownId_allApprovalUnknown() {
    sessions();
    String id = refusal(request("/exports/all", "req_1")).approvalId().orElseThrow();

    for (String[] caller : List.of(new String[] {"app_2", "ses_2", id}, new String[] {"app_1", "ses_9", id},
        new String[] {"app_1", "ses_1", "apr_nonesuch"})) {
      GatewayException e = assertThrows(GatewayException.class, () -> f.authorizer.approvalStatus(bearer(caller[0], caller[1]), caller[2]));
      assertEquals(404, e.status(), String.join(" ", caller));
      assertEquals("approval_unknown", e.reason());
      assertEquals(false, e.getMessage().contains(id), "the answer does not say the approval exists");
    }
  }

  @Test
  void approvalStatus_noTokenOrRevokedSession_401() {
    String id = refusal(request("/exports/all", "req_1")).approvalId().orElseThrow();

    GatewayException missing = assertThrows(GatewayException.class, () -> f.authorizer.approvalStatus(null, id));
    f.reads.terminate("ses_1", GatewayFixture.NOW);
    GatewayException revoked = assertThrows(GatewayException.class, () -> f.authorizer.approvalStatus(bearer("app_1", "ses_1"), id));

    assertEquals("token_missing", missing.reason());
    assertEquals(401, revoked.status());
    assertEquals("session_revoked", revoked.reason());
  }
}
