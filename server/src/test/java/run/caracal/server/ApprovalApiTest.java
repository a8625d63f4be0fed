package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

/** A request held for approval through the real server: the Gateway's 403, the admin API's answer, the identical request once. */
class ApprovalApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: payouts}
      spec:
        resources: ["resource://payouts"]
        rules:
          - {name: pay, effect: allow, scopes: ["payouts:write"]}
          - name: large-payouts
            effect: require_approval
            scopes: ["payouts:write"]
            when: "request.query.amount != '' && int(request.query.amount) > 1000"
            approval: {ttl: 10m, reuse: once}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [payouts]}
      """;

  @TempDir static Path home;
  static CaracalServer server;
  static HttpServer upstream;
  static final AtomicInteger forwarded = new AtomicInteger();
  static TestClient client;
  static String token;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      forwarded.incrementAndGet();
      byte[] out = "paid".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    client.admin("POST", "/admin/v1/zones", Map.of("name", "prod"));
    var app = client.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "payer"));
    String appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://payouts", "scopes", List.of("payouts:write"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
    client.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY))));
    client.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"));
    var t = client.form("/oauth2/token", appId, secret, Map.of("grant_type", "client_credentials", "resource", "resource://payouts",
        "scope", "payouts:write"));
    assertEquals(200, t.status(), t.raw().body());
    token = t.json().get("access_token").asText();
  }

  @AfterAll
  static void stop() {
    server.close();
    upstream.stop(0);
  }

  private static HttpResponse<String> pay(String amount) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl().orElseThrow() + "/payouts?amount=" + amount))
        .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", "resource://payouts")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void largePayout_heldUntilApproved_thenThroughOnce() throws Exception {
    int before = forwarded.get();
    HttpResponse<String> held = pay("5000");
    HttpResponse<String> heldAgain = pay("5000");

    assertEquals(403, held.statusCode(), held.body());
    JsonNode body = JSON.readTree(held.body());
    assertEquals("approval_required", body.path("reason").asText());
    String id = body.path("approval_id").asText();
    assertTrue(id.startsWith("apr_"), held.body());
    assertEquals("5", held.headers().firstValue("retry-after").orElseThrow());
    assertEquals(id, JSON.readTree(heldAgain.body()).path("approval_id").asText(), "identical requests share the approval");
    JsonNode pending = client.admin("GET", "/admin/v1/zones/prod/approvals?state=pending", null).json();
    assertEquals(1, pending.size());
    assertEquals("POST", pending.get(0).path("request").path("method").asText());
    assertEquals(before, forwarded.get(), "nothing reached the upstream while held");

    JsonNode approved = client.admin("POST", "/admin/v1/approvals/" + id + "/approve", Map.of("comment", "quarterly bonus")).json();
    assertEquals("approved", approved.path("state").asText());
    HttpResponse<String> through = pay("5000");
    HttpResponse<String> heldOnceMore = pay("5000");

    assertEquals(200, through.statusCode(), through.body());
    assertEquals(before + 1, forwarded.get());
    JsonNode used = client.admin("GET", "/admin/v1/approvals/" + id, null).json();
    assertEquals("used", used.path("state").asText());
    assertEquals("admin", used.path("decided_by").asText());
    assertEquals("quarterly bonus", used.path("comment").asText());
    assertEquals(403, heldOnceMore.statusCode());
    assertNotEquals(id, JSON.readTree(heldOnceMore.body()).path("approval_id").asText(), "a once approval is used up");
  }

  @Test
  void deniedPayout_isApprovalDenied_andAnApprovalIsDecidedOnce() throws Exception {
    String id = JSON.readTree(pay("7000").body()).path("approval_id").asText();
    client.admin("POST", "/admin/v1/approvals/" + id + "/deny", Map.of());

    HttpResponse<String> denied = pay("7000");
    var again = client.admin("POST", "/admin/v1/approvals/" + id + "/approve", Map.of());

    assertEquals(403, denied.statusCode());
    assertEquals("approval_denied", JSON.readTree(denied.body()).path("reason").asText());
    assertEquals(409, again.status());
  }

  @Test
  void smallPayout_isNotHeld() throws Exception {
    assertEquals(200, pay("10").statusCode());
  }
}
