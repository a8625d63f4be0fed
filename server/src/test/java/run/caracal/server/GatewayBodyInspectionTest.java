package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

/** A resource that asks for body inspection: JSON fields reach the policy; too large is 413; the body is still forwarded. */
class GatewayBodyInspectionTest {
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: payments}
      spec:
        resources: ["resource://payments-api"]
        rules:
          - name: small-payments
            effect: allow
            scopes: ["pay"]
            when: "request.method == 'POST' && has(request.body.amount) && request.body.amount <= 100.0"
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: payments}
      spec: {policies: [payments]}
      """;

  @TempDir static Path home;
  static CaracalServer server;
  static HttpServer upstream;
  static String token;
  static String gateway;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      byte[] out = ("got " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    upstream.start();
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    gateway = server.gatewayUrl().orElseThrow();
    TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    client.admin("POST", "/admin/v1/zones", Map.of("name", "pay"));
    var app = client.admin("POST", "/admin/v1/zones/pay/apps", Map.of("name", "payer"));
    String appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    var resource = client.admin("PUT", "/admin/v1/zones/pay/resources", Map.of("id", "resource://payments-api", "scopes", List.of("pay"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort(),
        "body_inspection", Map.of("content_types", List.of("application/json"), "max_bytes", 256)));
    assertEquals(200, resource.status(), resource.raw().body());
    client.admin("POST", "/admin/v1/zones/pay/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY))));
    client.admin("POST", "/admin/v1/zones/pay/activate", Map.of("policy_set", "payments"));
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    var t = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", session.json().get("session_token").asText(),
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", "resource://payments-api", "scope", "pay"));
    assertEquals(200, t.status(), t.raw().body());
    token = t.json().get("access_token").asText();
  }

  @AfterAll
  static void stop() {
    server.close();
    upstream.stop(0);
  }

  static HttpResponse<String> post(String contentType, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/pay")).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", "resource://payments-api").header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void jsonBody_smallAmount_allowedAndForwardedWhole() throws Exception {
    var r = post("application/json", "{\"amount\": 42}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("got {\"amount\": 42}", r.body());
  }

  @Test
  void jsonBody_largeAmount_deniedByPolicy() throws Exception {
    var r = post("application/json; charset=utf-8", "{\"amount\": 4200}");
    assertEquals(403, r.statusCode(), r.body());
    assertTrue(r.body().contains("no_matching_rule"), r.body());
  }

  @Test
  void jsonBody_overTheLimit_is413() throws Exception {
    var r = post("application/json", "{\"amount\": 1, \"note\": \"" + "x".repeat(400) + "\"}");
    assertEquals(413, r.statusCode(), r.body());
    assertTrue(r.body().contains("body_too_large"), r.body());
  }

  @Test
  void notJson_isRefused400() throws Exception {
    var r = post("application/json", "{amount: oops");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("invalid_body"), r.body());
  }

  @Test
  void otherContentType_isNotInspected_soTheBodyConditionFails() throws Exception {
    var r = post("text/plain", "{\"amount\": 42}");
    assertEquals(403, r.statusCode(), r.body());
  }
}
