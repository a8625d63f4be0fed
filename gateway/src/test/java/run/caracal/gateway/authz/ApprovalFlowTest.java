package run.caracal.gateway.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.db.Jdbc;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.decision.DecisionRecord;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.GatewayFixture;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;

/** A request a `require_approval` rule holds, through the Gateway's decision and a real approval store on H2. */
class ApprovalFlowTest {
  @TempDir Path keys;
  private final GatewayFixture f = new GatewayFixture();
  private Ledger ledger;
  private ApprovalStore store;

  @BeforeEach
  void setUp() {
    ledger = Ledger.open(LedgerConfig.dataSource(f.dataSource, keys));
    Jdbc jdbc = new Jdbc(f.dataSource);
    store = new ApprovalStore(jdbc, new AdminAudit(ledger, jdbc), f.clock);
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
}
