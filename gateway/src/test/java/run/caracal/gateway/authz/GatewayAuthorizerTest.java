package run.caracal.gateway.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.gateway.GatewayFixture.API;
import static run.caracal.gateway.GatewayFixture.NOW;
import static run.caracal.gateway.GatewayFixture.ZONE;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.Stage;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.GatewayFixture;

/** The Gateway's decision without a server; each case checks the answer and the record. */
class GatewayAuthorizerTest {
  private final GatewayFixture f = new GatewayFixture();

  private GatewayRequest request(String token, String method) {
    return new GatewayRequest(method, "/items/1?q=x", Map.of("authorization", "Bearer " + token, "x-caracal-resource", API,
        "accept", "application/json"), "10.0.0.1", "req_1", "trace_1", Optional.empty());
  }

  private GatewayException refusal(GatewayRequest request) {
    CompletionException e = assertThrows(CompletionException.class, () -> f.authorizer.authorize(request).join());
    return assertInstanceOf(GatewayException.class, e.getCause());
  }

  @Test
  void authorize_anyOneTokenScopeAllowed_grantsItAfterTheRecordWithTheShadowDecision() {
    Authorized a = f.authorizer.authorize(request(f.token(API, "write read"), "GET")).join();

    assertEquals(List.of("read"), a.scopesUsed(), "one decision names the scope that granted");
    assertEquals("http://127.0.0.1:9/items/1?q=x", a.upstream() + a.upstreamPath().substring(a.upstreamPath().indexOf("/items")));
    DecisionRecord r = f.log.last();
    assertTrue(r.allowed());
    assertEquals("GET", r.call().method());
    assertEquals("/items/1", r.call().path());
    assertTrue(r.shadowDisagrees(), "the shadow set is evaluated at the Gateway too");
    assertEquals("x", r.input().orElseThrow().toDecisionInput().request().getQueryOrThrow("q"));
    assertTrue(r.input().get().toDecisionInput().request().getHeadersMap().keySet().stream()
        .noneMatch(h -> h.equals("authorization") || h.startsWith("x-caracal-")), "credentials never reach the input");
  }

  @Test
  void authorize_policyDenies_403WithTheEngineReasonRecorded() {
    GatewayException e = refusal(request(f.token(API, "write"), "GET"));

    assertEquals(403, e.status());
    assertEquals("no_matching_rule", e.reason());
    assertEquals(Stage.POLICY, f.log.last().refusal().orElseThrow().stage());
  }

  @Test
  void authorize_requireApprovalHolds_403ApprovalRequiredAndNothingAuthorized() {
    f.reads.put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod",
        "- {name: reads, effect: allow, scopes: [read]}\n- {name: ask, effect: require_approval, scopes: [read]}")),
        Optional.empty()));

    GatewayException e = refusal(request(f.token(API, "read"), "GET"));

    assertEquals(403, e.status());
    assertEquals("approval_required", e.reason());
    DecisionRecord r = f.log.last();
    assertEquals(Stage.POLICY, r.refusal().orElseThrow().stage());
    assertEquals("approval_required", r.decision().orElseThrow().verdict().id());
    assertEquals("ask", r.decision().orElseThrow().approvals().get(0).rule());
  }

  @Test
  void authorize_wrongAudience_401RecordedAtTheTokenStage() {
    f.reads.put(new ResourceBinding(ZONE, "resource://other", List.of("read"), List.of(), Map.of(), Optional.of("http://127.0.0.1:9"),
        List.of(), Optional.empty(), Optional.empty(), false, NOW, NOW));
    GatewayRequest other = new GatewayRequest("GET", "/", Map.of("authorization", "Bearer " + f.token(API, "read"),
        "x-caracal-resource", "resource://other"), "", "req_2", "", Optional.empty());

    GatewayException e = refusal(other);

    assertEquals(401, e.status());
    assertEquals("token_audience_invalid", e.reason());
    assertEquals(Stage.TOKEN, f.log.last().refusal().orElseThrow().stage());
    assertEquals(Optional.empty(), f.log.last().decision());
  }

  @Test
  void authorize_sessionEnded_401SessionRevoked() {
    f.reads.terminate("ses_1", NOW);

    assertEquals("session_revoked", refusal(request(f.token(API, "read"), "GET")).reason());
  }

  @Test
  void authorize_unknownResource_404Recorded() {
    GatewayRequest unknown = new GatewayRequest("GET", "/", Map.of("authorization", "Bearer " + f.token(API, "read"),
        "x-caracal-resource", "resource://nope"), "", "req_3", "", Optional.empty());

    GatewayException e = refusal(unknown);

    assertEquals(404, e.status());
    assertEquals("unknown_resource", f.log.last().reason());
  }

  @Test
  void authorize_ledgerCannotCommit_503AndNothingAuthorized() {
    f.log.failing(true);

    GatewayException allowed = refusal(request(f.token(API, "read"), "GET"));
    GatewayException refused = refusal(request("not-a-token", "GET"));

    assertEquals(503, allowed.status());
    assertEquals("ledger_unavailable", allowed.reason());
    assertEquals("ledger_unavailable", refused.reason(), "a ledger outage gets one answer");
  }
}
