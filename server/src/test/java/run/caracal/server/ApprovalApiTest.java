package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.approval.ApprovalWebhook;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.PageRequest;
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
          - name: huge-payouts
            effect: require_approval
            scopes: ["payouts:write"]
            when: "request.query.amount != '' && int(request.query.amount) > 1000000"
            approval: {approvers: [treasury]}
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
  static String appId;
  static String secret;
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
    appId = app.json().get("id").asText();
    secret = app.json().get("client_secret").asText();
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
    JsonNode mine = null;
    for (JsonNode a : pending) {
      mine = a.path("id").asText().equals(id) ? a : mine;
    }
    assertTrue(mine != null, "the approval is pending: " + pending);
    assertEquals("POST", mine.path("request").path("method").asText());
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

  // approvers

  private static String addApprover(String zone, String name, String... groups) {
    var added = client.admin("POST", "/admin/v1/zones/" + zone + "/approvers", Map.of("name", name, "groups", List.of(groups)));
    assertEquals(201, added.status(), added.raw().body());
    assertEquals("no-store", added.raw().headers().firstValue("cache-control").orElse(""));
    return added.json().path("token").asText();
  }

  private static String held(String amount) throws Exception {
    HttpResponse<String> r = pay(amount);
    assertEquals(403, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("approval_id").asText();
  }

  private static List<String> ledger(String type) {
    return server.ledger().list(EventFilter.all(), PageRequest.first(10_000)).events().stream().map(AppendedEvent::event)
        .filter(e -> e.type().equals(type)).map(e -> e.actor() + " " + e.explanation()).toList();
  }

  @Test
  void approverToken_approves_namedAsActorInTheApprovalAndTheLedger() throws Exception {
    String alice = addApprover("prod", "alice", "finance");
    String id = held("5100");

    var listed = client.as("Bearer " + alice, "GET", "/admin/v1/zones/prod/approvals?state=pending", null);
    var ownZone = client.as("Bearer " + alice, "GET", "/admin/v1/approvals?state=pending", null);
    var approved = client.as("Bearer " + alice, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of("comment", "looks right"));
    HttpResponse<String> through = pay("5100");

    assertEquals(200, listed.status(), listed.raw().body());
    assertEquals(200, ownZone.status(), ownZone.raw().body());
    assertTrue(ownZone.raw().body().contains(id), ownZone.raw().body());
    assertEquals(200, approved.status(), approved.raw().body());
    assertEquals("approver:alice", approved.json().path("decided_by").asText());
    assertEquals(200, through.statusCode(), through.body());
    assertTrue(ledger("approval.approved").stream().anyMatch(e -> e.startsWith("approver:alice ") && e.contains(id)
        && e.contains("looks right")), () -> ledger("approval.approved").toString());
    var byRequest = client.admin("GET", "/admin/v1/approvals?request_id=" + approved.json().path("request_id").asText(), null);
    assertEquals(id, byRequest.json().path(0).path("id").asText(), byRequest.raw().body());
    JsonNode list = client.admin("GET", "/admin/v1/approvers?zone=prod", null).json();
    assertTrue(list.toString().contains("\"alice\""), list::toString);
    assertTrue(!list.toString().contains(alice) && !list.toString().contains("token"), "tokens are never listed");
  }

  @Test
  void approverOutsideTheRulesGroup_refusedApproverNotInGroup() throws Exception {
    String fin = addApprover("prod", "fin", "finance");
    String tre = addApprover("prod", "tre", "treasury");
    String id = held("2000000");

    var refused = client.as("Bearer " + fin, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());
    var approved = client.as("Bearer " + tre, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());

    assertEquals(403, refused.status(), refused.raw().body());
    assertEquals("approver_not_in_group", refused.json().path("reason").asText());
    assertEquals("forbidden", refused.json().path("error").asText());
    assertTrue(refused.json().path("message").asText().contains("treasury"), refused.raw().body());
    assertEquals(200, approved.status(), approved.raw().body());
    assertEquals("approver:tre", approved.json().path("decided_by").asText());
  }

  @Test
  void approverOfAnotherZone_refusedApproverNotInZone() throws Exception {
    client.admin("POST", "/admin/v1/zones", Map.of("name", "elsewhere"));
    String other = addApprover("elsewhere", "olga", "finance");
    String id = held("5200");

    var approve = client.as("Bearer " + other, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());
    var show = client.as("Bearer " + other, "GET", "/admin/v1/approvals/" + id, null);
    var list = client.as("Bearer " + other, "GET", "/admin/v1/zones/prod/approvals", null);
    var ownZone = client.as("Bearer " + other, "GET", "/admin/v1/approvals", null);

    for (var r : List.of(approve, show, list)) {
      assertEquals(403, r.status(), r.raw().body());
      assertEquals("approver_not_in_zone", r.json().path("reason").asText());
    }
    assertEquals("pending", client.admin("GET", "/admin/v1/approvals/" + id, null).json().path("state").asText());
    assertEquals(200, ownZone.status(), ownZone.raw().body());
    assertEquals(0, ownZone.json().size(), "an approver sees only their own zone's approvals: " + ownZone.raw().body());
    assertTrue(client.admin("GET", "/admin/v1/approvals?state=pending", null).raw().body().contains(id), "the admin sees every zone's");
  }

  @Test
  void applicationCredentials_neverApprove() throws Exception {
    String id = held("5300");
    String basic = "Basic " + Base64.getEncoder().encodeToString((appId + ":" + secret).getBytes(StandardCharsets.UTF_8));

    for (String credential : List.of("Bearer " + secret, "Bearer " + token, basic)) {
      var r = client.as(credential, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());
      assertEquals(403, r.status(), r.raw().body());
      assertEquals("app_credential_cannot_approve", r.json().path("reason").asText(), r.raw().body());
    }
    assertEquals("pending", client.admin("GET", "/admin/v1/approvals/" + id, null).json().path("state").asText());
  }

  @Test
  void approverTokenPastItsValidity_is401ApproverTokenExpired() throws Exception {
    var added = client.admin("POST", "/admin/v1/zones/prod/approvers",
        Map.of("name", "brief", "groups", List.of("finance"), "valid_for_seconds", 1));
    assertEquals(201, added.status(), added.raw().body());
    Instant expires = Instant.parse(added.json().path("expires_at").asText());
    assertEquals(Instant.parse(added.json().path("created_at").asText()).plusSeconds(1), expires);
    var tooLong = client.admin("POST", "/admin/v1/zones/prod/approvers",
        Map.of("name", "forever", "groups", List.of("finance"), "valid_for_seconds", 400L * 86_400));
    String id = held("5500");
    while (Instant.now().isBefore(expires.plusMillis(50))) {
      Thread.sleep(50);
    }

    var r = client.as("Bearer " + added.json().path("token").asText(), "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());

    assertEquals(400, tooLong.status(), tooLong.raw().body());
    assertEquals(401, r.status(), r.raw().body());
    assertEquals("approver_token_expired", r.json().path("reason").asText());
  }

  @Test
  void unknownOrRemovedApproverToken_is401_andApproverTokensOpenNothingElse() throws Exception {
    String gone = addApprover("prod", "gone", "finance");
    client.admin("DELETE", "/admin/v1/zones/prod/approvers/gone", null);
    String kept = addApprover("prod", "kept", "finance");
    String id = held("5400");

    var removed = client.as("Bearer " + gone, "POST", "/admin/v1/approvals/" + id + "/approve", Map.of());
    var unknown = client.as("Bearer apv_nobody", "GET", "/admin/v1/approvals/" + id, null);
    var none = client.as(null, "GET", "/admin/v1/approvals/" + id, null);
    var adminRoute = client.as("Bearer " + kept, "GET", "/admin/v1/zones", null);
    var dotted = client.as("Bearer " + kept, "GET", "/admin/v1/approvals/../zones", null);
    var dottedZone = client.as("Bearer " + kept, "GET", "/admin/v1/zones/./approvals", null);
    var addByApprover = client.as("Bearer " + kept, "POST", "/admin/v1/zones/prod/approvers", Map.of("name", "x", "groups", List.of("g")));

    for (var r : List.of(removed, unknown, none)) {
      assertEquals(401, r.status(), r.raw().body());
      assertEquals("approver_token_invalid", r.json().path("reason").asText());
    }
    assertEquals(401, adminRoute.status());
    assertEquals("admin_token_invalid", adminRoute.json().path("reason").asText());
    assertEquals(401, addByApprover.status());
    assertEquals(401, dotted.status(), dotted.raw().body());
    assertEquals(401, dottedZone.status(), dottedZone.raw().body());
  }

  @Test
  void zoneApprovalWebhook_receivesEachNewApprovalWithoutTokens() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    BlockingQueue<String> signatures = new LinkedBlockingQueue<>();
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/hook", exchange -> {
      signatures.add(String.valueOf(exchange.getRequestHeaders().getFirst("Caracal-Signature")));
      received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    hook.start();
    try {
      String url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
      var bad = client.admin("PATCH", "/admin/v1/zones/prod", Map.of("approval_webhook", "ftp://nope"));
      var set = client.admin("PATCH", "/admin/v1/zones/prod", Map.of("approval_webhook", url));
      String id = held("5500");
      String body = received.poll(20, TimeUnit.SECONDS);
      var cleared = client.admin("PATCH", "/admin/v1/zones/prod", Map.of("approval_webhook", ""));

      assertEquals(400, bad.status(), bad.raw().body());
      assertEquals(url, set.json().path("approval_webhook").asText(), set.raw().body());
      JsonNode notice = JSON.readTree(body);
      assertEquals(id, notice.path("approval_id").asText(), body);
      assertEquals("prod", notice.path("zone").asText());
      assertEquals("/payouts", notice.path("summary").path("path").asText());
      assertEquals("payouts/large-payouts", notice.path("rule").asText());
      assertEquals("caracal approvals approve " + id, notice.path("approve").asText());
      assertTrue(!body.contains(token) && !body.contains(secret), body);
      String hookSecret = set.json().path("approval_webhook_secret").asText();
      assertTrue(hookSecret.startsWith("whsec_"), set.raw().body());
      String signature = signatures.poll(1, TimeUnit.SECONDS);
      long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
      assertEquals(ApprovalWebhook.signature(hookSecret, t, body), signature, "signed with the secret the admin was given");
      assertFalse(client.admin("GET", "/admin/v1/zones/prod", null).raw().body().contains(hookSecret), "shown only when set");
      assertTrue(cleared.json().path("approval_webhook").isNull(), cleared.raw().body());
      assertTrue(cleared.json().path("approval_webhook_secret").isMissingNode(), cleared.raw().body());
    } finally {
      hook.stop(0);
    }
  }
}
