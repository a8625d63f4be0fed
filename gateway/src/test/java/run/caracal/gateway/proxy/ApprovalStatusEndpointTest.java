package run.caracal.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.app.Application;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.db.Jdbc;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.session.SessionRecord;
import run.caracal.gateway.GatewayFixture;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;

/** `GET /.caracal/approvals/{id}` over real HTTP: an agent asks about the approval its held request waits for. */
class ApprovalStatusEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path keys;
  private final GatewayFixture f = new GatewayFixture();
  private final HttpClient http = HttpClient.newHttpClient();
  private Ledger ledger;
  private ApprovalStore store;
  private GatewayServer gateway;

  @BeforeEach
  void start() throws Exception {
    ledger = Ledger.open(LedgerConfig.dataSource(f.dataSource, keys));
    Jdbc jdbc = new Jdbc(f.dataSource);
    store = new ApprovalStore(jdbc, new AdminAudit(ledger, jdbc), f.clock);
    f.authorizer.withApprovals(store);
    f.reads.put(new ZonePolicies(GatewayFixture.ZONE, Optional.of(SampleSets.set("prod", """
        - {name: reads, effect: allow, scopes: [read]}
        - {name: big-exports, effect: require_approval, scopes: [read], when: "request.path.startsWith('/exports')"}
        """)), Optional.empty()));
    f.reads.put(new Application("app_2", GatewayFixture.ZONE, "other", List.of(), Map.of(), true, GatewayFixture.NOW))
        .put(new SessionRecord("ses_2", GatewayFixture.ZONE, "app_2", Optional.empty(), "ses_2", List.of("ses_2"), 0, List.of(),
            List.of(), false, GatewayFixture.NOW.minusSeconds(60), GatewayFixture.NOW.plusSeconds(600), Optional.empty()));
    gateway = GatewayServer.start("127.0.0.1", 0, f.authorizer, ledger, GatewaySettings.DEFAULTS);
  }

  @AfterEach
  void stop() {
    gateway.close();
    ledger.close();
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).GET();
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String bearer(String app, String session) {
    return "Bearer " + f.token(GatewayFixture.API, "read", app, session);
  }

  @Test
  void heldRequest_itsAgentPollsTheApproval_pendingThenApproved() throws Exception {
    HttpResponse<String> held = get("/exports/all", Map.of("Authorization", bearer("app_1", "ses_1"),
        "X-Caracal-Resource", GatewayFixture.API));
    String id = JSON.readTree(held.body()).path("approval_id").asText();
    assertEquals(403, held.statusCode(), held.body());

    HttpResponse<String> pending = get("/.caracal/approvals/" + id, Map.of("Authorization", bearer("app_1", "ses_1")));
    store.decide(id, true, "alice", Optional.empty());
    HttpResponse<String> approved = get("/.caracal/approvals/" + id, Map.of("Authorization", bearer("app_1", "ses_1")));

    assertEquals(200, pending.statusCode(), pending.body());
    JsonNode body = JSON.readTree(pending.body());
    assertEquals(id, body.path("approval_id").asText());
    assertEquals("pending", body.path("state").asText());
    assertTrue(body.path("expires_at").asText().startsWith("2026-12-05T10:00:00"), pending.body());
    assertEquals("2", pending.headers().firstValue("retry-after").orElse(""));
    assertTrue(pending.headers().firstValue("x-caracal-request-id").orElse("").startsWith("req_"));
    assertEquals(200, approved.statusCode(), approved.body());
    assertEquals("approved", JSON.readTree(approved.body()).path("state").asText());
    assertEquals(GatewayFixture.NOW.toString(), JSON.readTree(approved.body()).path("decided_at").asText());
    assertTrue(approved.headers().firstValue("retry-after").isEmpty(), "nothing to wait for once decided");
  }

  @Test
  void anotherAppsTokenOrAnUnknownId_404ApprovalUnknown_noToken_401() throws Exception {
    HttpResponse<String> held = get("/exports/all", Map.of("Authorization", bearer("app_1", "ses_1"),
        "X-Caracal-Resource", GatewayFixture.API));
    String id = JSON.readTree(held.body()).path("approval_id").asText();

    HttpResponse<String> other = get("/.caracal/approvals/" + id, Map.of("Authorization", bearer("app_2", "ses_2")));
    HttpResponse<String> unknown = get("/.caracal/approvals/apr_nonesuch", Map.of("Authorization", bearer("app_1", "ses_1")));
    HttpResponse<String> noToken = get("/.caracal/approvals/" + id, Map.of());

    for (HttpResponse<String> r : List.of(other, unknown)) {
      assertEquals(404, r.statusCode(), r.body());
      JsonNode body = JSON.readTree(r.body());
      assertEquals("approval_unknown", body.path("reason").asText());
      assertEquals("not_found", body.path("error").asText());
      assertTrue(!r.body().contains("pending") && !r.body().contains(id), "no sign the approval exists: " + r.body());
    }
    assertEquals(401, noToken.statusCode(), noToken.body());
    assertEquals("token_missing", JSON.readTree(noToken.body()).path("reason").asText());
  }
}
