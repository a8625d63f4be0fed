package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

/** The Gateway end to end over real HTTP: a protected call, refusals, forwarding rules, framing. */
class GatewayFlowTest {
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - name: reads
            effect: allow
            scopes: ["billing:read"]
            when: "request.method == 'GET'"
          - name: small-charges
            effect: allow
            scopes: ["billing:charge"]
            when: "request.method == 'POST' && request.headers['x-amount'] == '10'"
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing]}
      """;

  @TempDir static Path home;
  static CaracalServer server;
  static HttpServer upstream;
  static final Map<String, Map<String, List<String>>> seen = new ConcurrentHashMap<>();
  static String gateway;
  static String token;
  static String appId;
  static String secret;
  static TestClient client;
  static HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/base/stream", exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        for (int i = 0; i < 300; i++) {
          out.write(("data: tick " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          Thread.sleep(100);
        }
      } catch (Exception e) {
        // the gateway cut the stream
      }
    });
    upstream.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
      seen.put(id == null ? "none" : id, Map.copyOf(exchange.getRequestHeaders()));
      byte[] out = ("path=" + exchange.getRequestURI() + " body=" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("X-Upstream", "yes");
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    gateway = server.gatewayUrl().orElseThrow();
    client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    client.admin("POST", "/admin/v1/zones", Map.of("name", "prod"));
    var app = client.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "agent"));
    appId = app.json().get("id").asText();
    secret = app.json().get("client_secret").asText();
    client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://billing-api",
        "scopes", List.of("billing:read", "billing:charge"), "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/base",
        "upstream_credential", "Bearer upstream-secret"));
    client.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY))));
    client.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"));
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    var t = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", session.json().get("session_token").asText(),
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", "resource://billing-api", "scope", "billing:read billing:charge"));
    assertEquals(200, t.status(), t.raw().body());
    token = t.json().get("access_token").asText();
  }

  @AfterAll
  static void stop() {
    server.close();
    upstream.stop(0);
  }

  static HttpResponse<String> call(String method, String path, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void get_allowed_forwardsToUpstreamWithCleanHeaders() throws Exception {
    var r = call("GET", "/v1/charges?limit=5", Map.of("Authorization", "Bearer " + token, "X-Caracal-Resource", "resource://billing-api",
        "X-Caracal-Debug", "x", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("path=/base/v1/charges?limit=5 body=", r.body());
    String requestId = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    assertEquals("yes", r.headers().firstValue("X-Upstream").orElse(null));
    Map<String, List<String>> h = seen.get(requestId);
    assertNotNull(h, "upstream saw the request id");
    assertEquals(List.of("Bearer upstream-secret"), h.get("Authorization"), "client token replaced by the upstream credential");
    assertNull(h.get("X-caracal-debug"));
    assertNull(h.get("X-caracal-resource"));
    assertTrue(h.get("Traceparent").get(0).startsWith("00-0af7651916cd43dd8448eb211c80319c-"));
    assertEquals(List.of("127.0.0.1"), h.get("X-forwarded-for"));
    List<String> types = List.of();
    for (int i = 0; i < 100 && types.size() < 2; i++) {
      types = server.ledger().byRequestId(requestId).stream().map(e -> e.event().type()).toList();
      Thread.sleep(50);
    }
    assertEquals(List.of("gateway.decision", "gateway.result"), types, "the decision is durable first, the result follows");
    var metrics = http.send(HttpRequest.newBuilder(URI.create(gateway + "/.caracal/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("caracal_gateway_requests_seconds_count{status=\"2xx\"}"), metrics.body());
    assertTrue(metrics.body().contains("caracal_decisions_total{component=\"gateway\""), metrics.body());
  }

  @Test
  void post_policyDenies_403WithReasonAndNothingForwarded() throws Exception {
    var r = call("POST", "/v1/charges", Map.of("Authorization", "Bearer " + token, "X-Caracal-Resource", "resource://billing-api",
        "X-Amount", "99999"), "{}");
    assertEquals(403, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"reason\":\"no_matching_rule\""), r.body());
    String requestId = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    assertFalse(seen.containsKey(requestId));
    var ok = call("POST", "/v1/charges", Map.of("Authorization", "Bearer " + token, "X-Caracal-Resource", "resource://billing-api",
        "X-Amount", "10"), "{\"amount\":10}");
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals("path=/base/v1/charges body={\"amount\":10}", ok.body());
  }

  @Test
  void refusals_haveStatusAndReason() throws Exception {
    var noToken = call("GET", "/x", Map.of("X-Caracal-Resource", "resource://billing-api"), null);
    assertEquals(401, noToken.statusCode());
    assertTrue(noToken.body().contains("token_missing"));
    var forged = call("GET", "/x", Map.of("Authorization", "Bearer " + token.substring(0, token.length() - 4) + "AAAA",
        "X-Caracal-Resource", "resource://billing-api"), null);
    assertEquals(401, forged.statusCode(), forged.body());
    var unknown = call("GET", "/x", Map.of("Authorization", "Bearer " + token, "X-Caracal-Resource", "resource://nope"), null);
    assertEquals(404, unknown.statusCode(), unknown.body());
    var traversal = call("GET", "/a/%2e%2e/%2e%2e/etc/passwd", Map.of("Authorization", "Bearer " + token,
        "X-Caracal-Resource", "resource://billing-api"), null);
    assertEquals(400, traversal.statusCode(), traversal.body());
    assertTrue(traversal.body().contains("path_traversal"));
  }

  @Test
  void streamingResponse_sessionTerminated_isCut() throws Exception {
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    String sessionId = session.json().get("session_id").asText();
    var t = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", session.json().get("session_token").asText(),
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", "resource://billing-api", "scope", "billing:read"));
    String streamToken = t.json().get("access_token").asText();
    var r = http.send(HttpRequest.newBuilder(URI.create(gateway + "/stream")).header("Authorization", "Bearer " + streamToken)
        .header("X-Caracal-Resource", "resource://billing-api").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    InputStream in = r.body();
    byte[] first = new byte[16];
    assertTrue(in.read(first) > 0, "the first event arrives while the upstream keeps streaming");
    var end = client.admin("DELETE", "/admin/v1/sessions/" + sessionId, null);
    assertEquals(200, end.status(), end.raw().body());
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    boolean cut = false;
    byte[] buf = new byte[4096];
    try {
      while (System.nanoTime() < deadline) {
        if (in.read(buf) < 0) {
          cut = true;
          break;
        }
      }
    } catch (java.io.IOException e) {
      cut = true;
    }
    assertTrue(cut, "the stream of a terminated session is cut within seconds, not after the upstream's 30 s");
  }

  @Test
  void rawSocket_contentLengthWithChunked_isRefused() throws Exception {
    URI u = URI.create(gateway);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      String req = "POST /v1/charges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
          + "X-Caracal-Resource: resource://billing-api\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
      OutputStream out = s.getOutputStream();
      out.write(req.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(response.startsWith("HTTP/1.1 400"), response);
      assertTrue(response.contains("ambiguous_framing"), response);
      assertFalse(response.contains("HTTP/1.1 200"), response);
    }
  }

  @Test
  void rawSocket_duplicateContentLengthOrObfuscatedChunked_isRefused() throws Exception {
    URI u = URI.create(gateway);
    for (String framing : List.of("Content-Length: 2\r\nContent-Length: 3\r\n", "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n")) {
      try (Socket s = new Socket(u.getHost(), u.getPort())) {
        String req = "POST /v1/charges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
            + "X-Caracal-Resource: resource://billing-api\r\n" + framing + "\r\n0\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(response.startsWith("HTTP/1.1 400"), framing + " -> " + response);
      }
    }
  }
}
