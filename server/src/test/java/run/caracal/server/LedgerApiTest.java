package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.engine.decision.Decision;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.export.ExportVerifier;
import run.caracal.ledger.verify.VerificationReport;
import run.caracal.server.home.CaracalHome;

/** The ledger admin API against a real server: request, trace, listing, verify, export, key. */
class LedgerApiTest {
  private static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

  @TempDir Path home;
  CaracalServer server;
  TestClient client;
  String adminToken;
  String appId;
  String allowedRequest;
  String deniedRequest;

  @BeforeEach
  void start() throws Exception {
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts")));
    adminToken = Files.readString(home.resolve("admin.token")).trim();
    client = new TestClient(server.stsUrl(), adminToken);
    assertEquals(201, client.admin("POST", "/admin/v1/zones", Map.of("name", "prod")).status());
    var app = client.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "invoice-agent"));
    appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    assertEquals(200, client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://billing-api",
        "scopes", List.of("billing:read", "billing:charge", "billing:refund"), "upstream", "http://127.0.0.1:9")).status());
    assertEquals(200, client.admin("POST", "/admin/v1/zones/prod/policies",
        Map.of("files", List.of(Map.of("name", "billing.yaml", "content", StsFlowTest.POLICY)))).status());
    assertEquals(200, client.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production")).status());
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    String sessionToken = session.json().get("session_token").asText();
    var allowed = client.form("/oauth2/token", appId, secret, Map.of("grant_type", EXCHANGE, "subject_token", sessionToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", "resource://billing-api", "scope", "billing:read"));
    assertEquals(200, allowed.status(), allowed.raw().body());
    allowedRequest = allowed.raw().headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    var denied = client.form("/oauth2/token", appId, secret, Map.of("grant_type", EXCHANGE, "subject_token", sessionToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", "resource://billing-api", "scope", "billing:refund"));
    assertEquals(403, denied.status(), denied.raw().body());
    deniedRequest = denied.json().get("request_id").asText();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void request_deniedTokenRequest_returnsAuthorizationEventWithDecisionExplanation() {
    var r = client.admin("GET", "/admin/v1/ledger/requests/" + deniedRequest, null);

    assertEquals(200, r.status(), r.raw().body());
    JsonNode event = single(r.json().get("events"), "authorization");
    assertEquals("deny", event.get("decision").asText());
    assertEquals(appId, event.get("app").asText());
    assertEquals("resource://billing-api", event.get("resource").asText());
    DecisionRecord record = DecisionRecordJson.read(event);
    assertEquals(appId, record.app().orElseThrow().id());
    assertEquals("invoice-agent", record.app().get().name());
    Decision decision = record.decision().orElseThrow();
    assertEquals("deny", decision.verdict().id());
    assertEquals("denied_by_rule", decision.reasons().get(0).id());
    assertEquals("no-refunds", decision.rules().get(0).rule());
    assertEquals("billing", decision.rules().get(0).policy());
    assertEquals("production", decision.policySet().name());
    assertEquals(64, decision.policySet().sha256().length());
    assertEquals("billing:refund", decision.requested().get(0));
    assertEquals("billing:refund", record.input().orElseThrow().toDecisionInput().request().getScopes(0), "the input is kept");
    assertTrue(event.get("token_fp").isNull(), "a denied request has no token");
  }

  @Test
  void request_allowedTokenRequest_recordsGrantedScopesAndTokenFingerprint() {
    var r = client.admin("GET", "/admin/v1/ledger/requests/" + allowedRequest, null);

    assertEquals(200, r.status(), r.raw().body());
    JsonNode event = single(r.json().get("events"), "authorization");
    assertEquals("allow", event.get("decision").asText());
    assertEquals("billing:read", event.at("/explanation/decision/scopes/granted/0").asText());
    assertEquals(22, event.get("token_fp").asText().length());
    assertTrue(event.get("seq").asLong() > 0);
    assertEquals(64, event.get("hash").asText().length());
  }

  @Test
  void request_unknownId_isNotFound() {
    var r = client.admin("GET", "/admin/v1/ledger/requests/req_doesnotexist", null);

    assertEquals(404, r.status(), r.raw().body());
    assertEquals("not_found", r.json().get("error").asText());
  }

  @Test
  void trace_requestId_returnsTheRequestsTraceJoinedBySession() {
    var byRequest = client.admin("GET", "/admin/v1/ledger/traces/" + deniedRequest, null);

    assertEquals(200, byRequest.status(), byRequest.raw().body());
    String traceId = byRequest.json().get("trace_id").asText();
    assertEquals(32, traceId.length());
    List<String> types = types(byRequest.json().get("events"));
    assertTrue(types.contains("authorization"), types::toString);
    assertTrue(types.contains("session.opened"), "the session's events join the trace: " + types);

    var byTrace = client.admin("GET", "/admin/v1/ledger/traces/" + traceId, null);
    assertEquals(200, byTrace.status(), byTrace.raw().body());
    assertEquals(traceId, byTrace.json().get("trace_id").asText());
    assertTrue(ids(byTrace.json().get("events")).contains(deniedRequest));
  }

  @Test
  void events_filtersAndPages_returnMatchingEventsOnly() {
    var denied = client.admin("GET", "/admin/v1/ledger/events?zone=prod&type=authorization&decision=deny", null);
    assertEquals(200, denied.status(), denied.raw().body());
    assertEquals(1, denied.json().get("events").size());
    assertEquals(deniedRequest, denied.json().at("/events/0/request_id").asText());

    var first = client.admin("GET", "/admin/v1/ledger/events?type=authorization&limit=1", null);
    assertEquals(1, first.json().get("events").size());
    assertEquals(allowedRequest, first.json().at("/events/0/request_id").asText());
    String cursor = first.json().get("next_cursor").asText();
    var second = client.admin("GET", "/admin/v1/ledger/events?type=authorization&limit=1&cursor=" + cursor, null);
    assertEquals(deniedRequest, second.json().at("/events/0/request_id").asText());

    var family = client.admin("GET", "/admin/v1/ledger/events?type=zone.*,app.*", null);
    assertEquals(Set.of("zone.created", "app.created"), Set.copyOf(types(family.json().get("events"))));
  }

  @Test
  void events_badParameters_areInvalidRequests() {
    for (String query : List.of("decision=maybe", "from=yesterday", "limit=0", "type=nonsense", "cursor=%25%25", "order=up")) {
      var r = client.admin("GET", "/admin/v1/ledger/events?" + query, null);
      assertEquals(400, r.status(), query + ": " + r.raw().body());
      assertFalse(r.json().path("message").asText().isEmpty(), query);
    }
  }

  @Test
  void verify_intactLedger_isOk() {
    var r = client.admin("GET", "/admin/v1/ledger/verify", null);

    assertEquals(200, r.status(), r.raw().body());
    assertTrue(r.json().get("ok").asBoolean(), r.raw().body());
    assertTrue(r.json().get("events").asLong() >= 8, r.raw().body());
    assertEquals(0, r.json().get("findings").size());
  }

  @Test
  void export_streamsNdjsonThatVerifiesOfflineWithThePublicKey() throws Exception {
    HttpResponse<String> key = raw("/admin/v1/ledger/public-key");
    assertEquals(200, key.statusCode());
    assertTrue(key.body().startsWith("-----BEGIN PUBLIC KEY-----"), key.body());
    Path pem = home.resolve("trusted.pub.pem");
    Files.writeString(pem, key.body());

    HttpResponse<InputStream> export = HttpClient.newHttpClient().send(adminGet("/admin/v1/ledger/export"),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, export.statusCode());
    assertTrue(export.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    VerificationReport report;
    try (InputStream in = export.body()) {
      report = ExportVerifier.verify(in, TrustedKeys.fromPemFile(pem));
    }
    assertTrue(report.ok(), report.summary());
    assertTrue(report.events() >= 8, report.summary());
  }

  @Test
  void ledgerApi_withoutAdminToken_isUnauthorized() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.stsUrl() + "/admin/v1/ledger/export")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(401, r.statusCode());
  }

  private HttpRequest adminGet(String path) {
    return HttpRequest.newBuilder(URI.create(server.stsUrl() + path)).header("Authorization", "Bearer " + adminToken).GET().build();
  }

  private HttpResponse<String> raw(String path) throws Exception {
    return HttpClient.newHttpClient().send(adminGet(path), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode single(JsonNode events, String type) {
    JsonNode found = null;
    for (JsonNode e : events) {
      if (e.get("type").asText().equals(type)) {
        assertTrue(found == null, "more than one `" + type + "` event: " + events);
        found = e;
      }
    }
    assertNotNull(found, "no `" + type + "` event: " + events);
    return found;
  }

  private static List<String> types(JsonNode events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.get("type").asText()));
    return out;
  }

  private static List<String> ids(JsonNode events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.path("request_id").asText()));
    return out;
  }
}
