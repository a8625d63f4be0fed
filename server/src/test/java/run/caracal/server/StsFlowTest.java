package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

class StsFlowTest {
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - name: agents-read
            effect: allow
            scopes: ["billing:read"]
          - name: small-charges
            effect: allow
            scopes: ["billing:charge"]
            when: "request.method == 'POST' && int(request.body.amount) <= 5000"
          - name: no-refunds
            effect: deny
            scopes: ["billing:refund"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing]}
      """;

  @TempDir Path home;
  CaracalServer server;
  TestClient client;

  @BeforeEach
  void start() throws Exception {
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts")));
    client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void sessionThenExchange_allowedScope_issuesVerifiableToken() {
    var zone = client.admin("POST", "/admin/v1/zones", Map.of("name", "prod"));
    assertEquals(201, zone.status(), zone.raw().body());
    var app = client.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "invoice-agent"));
    assertEquals(201, app.status(), app.raw().body());
    String appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    var resource = client.admin("PUT", "/admin/v1/zones/prod/resources",
        Map.of("id", "resource://billing-api", "scopes", List.of("billing:read", "billing:charge", "billing:refund"),
            "upstream", "http://127.0.0.1:9"));
    assertEquals(200, resource.status(), resource.raw().body());
    var push = client.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "billing.yaml", "content", POLICY))));
    assertEquals(200, push.status(), push.raw().body());
    var activate = client.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"));
    assertEquals(200, activate.status(), activate.raw().body());

    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    assertEquals(201, session.status(), session.raw().body());
    String sessionToken = session.json().get("session_token").asText();

    var token = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", sessionToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", "resource://billing-api",
        "scope", "billing:read billing:charge"));
    assertEquals(200, token.status(), token.raw().body());
    assertNotNull(token.raw().headers().firstValue("X-Caracal-Request-Id").orElse(null));
    String accessToken = token.json().get("access_token").asText();

    var introspect = client.form("/oauth2/introspect", appId, secret, Map.of("token", accessToken));
    assertTrue(introspect.json().get("active").asBoolean(), introspect.raw().body());
    assertEquals("resource://billing-api", introspect.json().get("aud").asText());

    var refund = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", sessionToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", "resource://billing-api",
        "scope", "billing:refund"));
    assertEquals(403, refund.status(), refund.raw().body());
    assertEquals("access_denied", refund.json().get("error").asText());
    assertEquals("denied_by_rule", refund.json().get("reason").asText());

    var end = client.app("DELETE", "/v1/sessions/" + session.json().get("session_id").asText(), appId, secret, null, null);
    assertEquals(200, end.status(), end.raw().body());
    var after = client.form("/oauth2/introspect", appId, secret, Map.of("token", accessToken));
    assertFalse(after.json().get("active").asBoolean());

    var metrics = client.get("/metrics");
    String text = metrics.raw().body();
    assertTrue(text.contains("caracal_decisions_total{component=\"sts\",reason=\"allowed_by_rule\",result=\"allow\"}"), text);
    assertTrue(text.contains("caracal_decisions_total{component=\"sts\",reason=\"denied_by_rule\",result=\"deny\"}"), text);
    assertTrue(text.contains("caracal_tokens_issued_total"), text);
    assertTrue(text.contains("caracal_ledger_append_seconds_count"), text);

    var jwks = client.get("/.well-known/jwks.json");
    assertEquals(200, jwks.status());
    assertTrue(jwks.json().get("keys").size() >= 2);
  }
}
