package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.server.TestStack.RESOURCE;
import static run.caracal.server.TestStack.assertRefused;
import static run.caracal.server.TestStack.requestId;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.control.db.Json;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.server.TestStack.App;
import run.caracal.server.TestStack.Zone;

/**
 * The engine decides every issue and the ledger remembers every attempt: no active set denies,
 * shadow candidates record disagreements, and allowed and refused attempts alike leave an
 * `authorization` event with the explanation under the request id.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {TestStack.H2, TestStack.POSTGRESQL})
class StsDecisionLedgerTest {
  static final String CANDIDATE = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing-strict}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - name: charge-only
            effect: allow
            scopes: ["billing:charge"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: candidate}
      spec: {policies: [billing-strict]}
      """;

  static TestStack stack;

  @Parameter String database;

  @BeforeParameterizedClassInvocation
  static void start(String database) {
    stack = TestStack.start(database);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }

  private static String sessionToken(App app) {
    return stack.session(app, Map.of()).json().get("session_token").asText();
  }

  /** The one `authorization` event of a response's request. */
  private static LedgerEvent authorization(TestClient.Response r) {
    List<AppendedEvent> events = stack.events(requestId(r), "authorization", 1);
    assertEquals(1, events.size(), "authorization events for " + requestId(r) + ": " + events);
    return events.get(0).event();
  }

  /** The decision record an `authorization` event holds, read as the CLI reads it. */
  private static DecisionRecord record(LedgerEvent e) {
    return DecisionRecordJson.read(Json.MAPPER.createObjectNode().put("type", e.type()).put("explanation", e.explanation()));
  }

  private static JsonNode explanation(LedgerEvent e) {
    assertFalse(e.explanation().isBlank(), "no explanation");
    return Json.read(e.explanation(), JsonNode.class);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void exchange_noActivePolicySet_accessDeniedAndRecorded() {
    Zone zone = stack.zone("unset");
    stack.resource(zone, RESOURCE, TestStack.RESOURCE_SCOPES);
    stack.push(zone, TestStack.POLICY);
    App app = stack.app(zone, "agent");
    var r = stack.exchange(app, sessionToken(app), RESOURCE, "billing:read");
    assertRefused(r, 403, "access_denied", "no_active_policy_set");
    LedgerEvent event = authorization(r);
    assertEquals(Decision.DENY, event.decision());
    assertTrue(texts(explanation(event).path("decision").path("reasons")).contains("no_active_policy_set"), event.explanation());

    var cc = stack.clientCredentials(app, RESOURCE, "billing:read");
    assertRefused(cc, 403, "access_denied", "no_active_policy_set");
    assertEquals(Decision.DENY, authorization(cc).decision());

    // once a set is active the same request passes
    stack.activate(zone, "production", false);
    assertEquals(200, stack.exchange(app, sessionToken(app), RESOURCE, "billing:read").status());
  }

  @Test
  void exchange_allowed_recordsAllowWithTokenFingerprintAndExplanation() {
    Zone zone = stack.billingZone("ledger");
    App app = stack.app(zone, "agent");
    String session = sessionToken(app);
    var r = stack.exchange(app, session, RESOURCE, "billing:read billing:charge");
    assertEquals(200, r.status(), r.raw().body());
    String access = r.json().get("access_token").asText();
    LedgerEvent event = authorization(r);
    assertEquals(Decision.ALLOW, event.decision());
    assertEquals(zone.id(), event.zone());
    assertEquals(app.id(), event.app());
    assertEquals(RESOURCE, event.resource());
    assertEquals(r.json().get("session_id").asText(), event.sessionId());
    assertEquals(Fingerprint.of(ForgedTokens.claims(access).getJWTID()).value(), event.tokenFingerprint());
    assertFalse(event.explanation().contains(access), "the token itself is never recorded");
    JsonNode decision = explanation(event).path("decision");
    assertEquals("allow", decision.path("decision").asText(), event.explanation());
    assertEquals("issue", decision.path("phase").asText());
    assertEquals(List.of("billing:read", "billing:charge"), texts(decision.path("scopes").path("granted")));
    assertEquals("production", decision.path("policySet").path("name").asText());
  }

  @Test
  void exchange_deniedByRule_recordsDenyWithRuleAndReason() {
    Zone zone = stack.billingZone("ledger");
    App app = stack.app(zone, "agent");
    var r = stack.exchange(app, sessionToken(app), RESOURCE, "billing:refund");
    assertRefused(r, 403, "access_denied", "denied_by_rule");
    LedgerEvent event = authorization(r);
    assertEquals(Decision.DENY, event.decision());
    assertEquals("", event.tokenFingerprint());
    JsonNode decision = explanation(event).path("decision");
    assertEquals("deny", decision.path("decision").asText());
    assertTrue(texts(decision.path("reasons")).contains("denied_by_rule"), event.explanation());
    assertTrue(event.explanation().contains("no-refunds"), event.explanation());
  }

  @Test
  void issue_refusedBeforeTheEngine_stillRecordsDenyWithReason() {
    Zone zone = stack.billingZone("ledger");
    App app = stack.app(zone, "agent");
    var narrow = stack.session(app, Map.of("scopes", List.of("billing:read")));
    String narrowToken = narrow.json().get("session_token").asText();
    String access = stack.accessToken(app, narrowToken, "billing:read");

    Map<String, TestClient.Response> refused = new java.util.LinkedHashMap<>();
    refused.put("scope_outside_session", stack.exchange(app, narrowToken, RESOURCE, "billing:charge"));
    refused.put("token_type_invalid", stack.exchange(app, access, TestStack.URN_ACCESS_TOKEN, RESOURCE, "billing:read", Map.of()));
    refused.put("resource_missing", stack.exchange(app, narrowToken, null, "billing:read"));
    var end = stack.client.app("DELETE", "/v1/sessions/" + narrow.json().get("session_id").asText(), app.id(), app.secret(), null, null);
    assertEquals(200, end.status());
    refused.put("session_revoked", stack.exchange(app, narrowToken, RESOURCE, "billing:read"));
    refused.put("unknown_resource", stack.clientCredentials(app, "resource://payroll-api", "billing:read"));

    for (var e : refused.entrySet()) {
      var r = e.getValue();
      assertTrue(r.status() >= 400 && r.status() < 500, r.raw().body());
      assertEquals(e.getKey(), r.json().path("reason").asText(), r.raw().body());
      LedgerEvent event = authorization(r);
      assertEquals(Decision.DENY, event.decision(), e.getKey());
      assertEquals(zone.id(), event.zone());
      assertEquals(app.id(), event.app());
      assertEquals(e.getKey(), record(event).reason(), event.explanation());
    }
  }

  @Test
  void clientCredentials_allowedAndDenied_bothRecorded() {
    Zone zone = stack.billingZone("ledger");
    App app = stack.app(zone, "agent");
    var ok = stack.clientCredentials(app, RESOURCE, "billing:read");
    assertEquals(200, ok.status(), ok.raw().body());
    LedgerEvent allowed = authorization(ok);
    assertEquals(Decision.ALLOW, allowed.decision());
    assertTrue(explanation(allowed).path("session").path("oneShot").asBoolean(), allowed.explanation());
    var no = stack.clientCredentials(app, RESOURCE, "billing:admin");
    assertRefused(no, 403, "access_denied", "no_matching_rule");
    assertEquals(Decision.DENY, authorization(no).decision());
  }

  @Test
  void shadowActivation_candidateDisagrees_recordsShadowDisagreement() {
    Zone zone = stack.billingZone("shadow");
    stack.push(zone, CANDIDATE);
    stack.activate(zone, "candidate", true);
    App app = stack.app(zone, "agent");
    String session = sessionToken(app);

    // both allow charge: no disagreement
    var agree = stack.exchange(app, session, RESOURCE, "billing:charge");
    assertEquals(200, agree.status(), agree.raw().body());
    // active allows read, the candidate does not: the active answer stands, the difference is recorded
    var disagree = stack.exchange(app, session, RESOURCE, "billing:read");
    assertEquals(200, disagree.status(), disagree.raw().body());

    DecisionRecord disagreed = record(authorization(disagree));
    assertTrue(disagreed.allowed(), "the active answer stands");
    assertTrue(disagreed.shadowDisagrees());
    assertEquals("deny", disagreed.shadow().orElseThrow().verdict().id());
    assertEquals("candidate", disagreed.shadow().get().policySet().name());
    DecisionRecord agreed = record(authorization(agree));
    assertTrue(agreed.shadow().isPresent() && !agreed.shadowDisagrees(), "the shadow decided and agreed");

    // a disagreement the other way: active denies refund, candidate has no rule for it either (agree)
    var refund = stack.exchange(app, session, RESOURCE, "billing:refund");
    assertRefused(refund, 403, "access_denied", "denied_by_rule");

    // clearing the shadow stops the comparisons
    var clear = stack.client.admin("POST", "/admin/v1/zones/" + zone.name() + "/activate", Map.of("shadow", true, "clear", true));
    assertEquals(200, clear.status(), clear.raw().body());
    var after = stack.exchange(app, session, RESOURCE, "billing:read");
    assertEquals(200, after.status());
    var marker = stack.exchange(app, session, RESOURCE, "billing:refund");
    assertTrue(record(authorization(marker)).shadow().isEmpty());
    assertTrue(record(authorization(after)).shadow().isEmpty(), "no shadow set, no shadow decision");
    assertFalse(record(authorization(refund)).shadowDisagrees());
  }

  @Test
  void issue_malformedRequests_refusedPerRfc6749() {
    Zone zone = stack.billingZone("protocol");
    App app = stack.app(zone, "agent");
    String session = sessionToken(app);
    java.util.function.Function<String, TestClient.Response> raw = body ->
        stack.client.app("POST", "/oauth2/token", app.id(), app.secret(), "application/x-www-form-urlencoded", body);
    String st = java.net.URLEncoder.encode(session, java.nio.charset.StandardCharsets.UTF_8);
    String exchange = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + st;
    String jwtType = "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt";

    assertRefused(raw.apply("scope=billing%3Aread"), 400, "invalid_request", "grant_type_missing");
    assertRefused(raw.apply("grant_type=password&username=a&password=b"), 400, "unsupported_grant_type", "grant_type_unsupported");
    assertRefused(raw.apply("grant_type=client_credentials&grant_type=client_credentials&resource=resource%3A%2F%2Fbilling-api"),
        400, "invalid_request", "parameter_repeated");
    assertRefused(raw.apply(exchange.replace("&subject_token=" + st, "") + jwtType + "&resource=resource%3A%2F%2Fbilling-api"),
        400, "invalid_request", "subject_token_missing");
    assertRefused(raw.apply(exchange + "&resource=resource%3A%2F%2Fbilling-api&scope=billing%3Aread"),
        400, "invalid_request", "subject_token_type_missing");
    assertRefused(raw.apply(exchange + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Asaml2"
        + "&resource=resource%3A%2F%2Fbilling-api&scope=billing%3Aread"), 400, "invalid_request", "subject_token_type_unsupported");
    assertRefused(raw.apply(exchange + jwtType + "&resource=resource%3A%2F%2Fbilling-api&resource=resource%3A%2F%2Fother-api"
        + "&scope=billing%3Aread"), 400, "invalid_target", "resource_multiple");
    assertRefused(raw.apply(exchange + jwtType + "&resource=resource%3A%2F%2Fbilling-api&scope=billing%3Aread&ttl_seconds=-5"),
        400, "invalid_request", "invalid_ttl");
    assertRefused(raw.apply(exchange + jwtType + "&resource=resource%3A%2F%2Fbilling-api&scope=billing%3Aread&ttl_seconds=soon"),
        400, "invalid_request", "invalid_number");
    assertRefused(raw.apply("grant_type=client_credentials&resource=resource%3A%2F%2Fbilling-api&scope=+++"),
        400, "invalid_scope", "scope_missing");
    assertRefused(raw.apply("grant_type=client_credentials&resource=resource%3A%2F%2F" + "x".repeat(2000) + "&scope=billing%3Aread"),
        400, "invalid_target", "resource_invalid");
    assertRefused(raw.apply("grant_type=client_credentials&resource=billing-api&scope=billing%3Aread"),
        400, "invalid_target", "resource_invalid");

    // asking for more than 15 minutes gets 15 minutes
    var capped = raw.apply(exchange + jwtType + "&resource=resource%3A%2F%2Fbilling-api&scope=billing%3Aread&ttl_seconds=86400");
    assertEquals(200, capped.status(), capped.raw().body());
    assertTrue(capped.json().get("expires_in").asLong() <= 900, capped.raw().body());
    assertEquals("no-store", capped.raw().headers().firstValue("Cache-Control").orElse(""));
  }
}
