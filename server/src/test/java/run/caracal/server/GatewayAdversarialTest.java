package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
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
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.control.db.Json;
import run.caracal.control.keys.SigningKey;
import run.caracal.server.home.CaracalHome;

/**
 * What an attacker can throw at the Gateway, each refused with its exact status and reason code,
 * a JSON body `{error, reason, message, request_id}`, the request id header, and nothing
 * forwarded: forged and stale tokens, revoked sessions and tokens, a disabled app, operations the
 * resource does not declare, path traversal, request smuggling, header injection and oversized
 * headers. Real loopback HTTP, tokens from the real STS, an upstream that records what reached it.
 */
class GatewayAdversarialTest {
  static final String BILLING = "resource://billing-api";
  static final String OTHER = "resource://other-api";
  static final String OPS = "resource://ops-api";
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - {name: billing, effect: allow, scopes: ["billing:read", "billing:charge"]}
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: other}
      spec:
        resources: ["resource://other-api"]
        rules:
          - {name: other, effect: allow, scopes: ["other:read"]}
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: ops}
      spec:
        resources: ["resource://ops-api"]
        rules:
          - {name: ops, effect: allow, scopes: ["ops:read", "ops:write"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing, other, ops]}
      """;

  record App(String id, String secret) {}

  @TempDir static Path home;
  static CaracalServer server;
  static HttpServer upstream;
  /** Request ids (X-Request-Id) that reached the upstream, and every path it saw. */
  static final Map<String, String> forwarded = new ConcurrentHashMap<>();
  static final List<String> upstreamPaths = new CopyOnWriteArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();
  static String gateway;
  static TestClient client;
  static String zoneId;
  static App agent;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
      upstreamPaths.add(exchange.getRequestURI().getRawPath());
      forwarded.put(id == null ? "none" : id, exchange.getRequestURI().getRawPath());
      StringBuilder headers = new StringBuilder();
      exchange.getRequestHeaders().forEach((k, v) -> headers.append(k.toLowerCase()).append('=').append(v).append('\n'));
      byte[] out = ("path=" + exchange.getRequestURI().getRawPath() + "\nbody=" + new String(body, StandardCharsets.UTF_8)
          + "\n" + headers).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    gateway = server.gatewayUrl().orElseThrow();
    client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    zoneId = ok(client.admin("POST", "/admin/v1/zones", Map.of("name", "prod"))).json().get("id").asText();
    String base = "http://127.0.0.1:" + upstream.getAddress().getPort() + "/base";
    ok(client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", BILLING, "scopes", List.of("billing:read", "billing:charge"),
        "upstream", base)));
    ok(client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", OTHER, "scopes", List.of("other:read"), "upstream", base)));
    ok(client.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", OPS, "scopes", List.of("ops:read", "ops:write", "ops:admin"),
        "upstream", base, "operations", List.of(
            Map.of("method", "GET", "path", "/v1/items/*", "scope", "ops:read"),
            Map.of("method", "POST", "path", "/v1/items", "scope", "ops:write")))));
    ok(client.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY)))));
    ok(client.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production")));
    agent = app("agent");
    token = accessToken(agent, openSession(agent).sessionToken, BILLING, "billing:read billing:charge");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  // fixtures

  static TestClient.Response ok(TestClient.Response r) {
    assertTrue(r.status() >= 200 && r.status() < 300, r.status() + " " + r.raw().body());
    return r;
  }

  static App app(String name) {
    var r = ok(client.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", name)));
    return new App(r.json().get("id").asText(), r.json().get("client_secret").asText());
  }

  record Session(String id, String sessionToken) {}

  static Session openSession(App app) {
    var r = ok(client.app("POST", "/v1/sessions", app.id(), app.secret(), "application/json", "{}"));
    return new Session(r.json().get("session_id").asText(), r.json().get("session_token").asText());
  }

  static String accessToken(App app, String sessionToken, String resource, String scope) {
    var r = ok(client.form("/oauth2/token", app.id(), app.secret(), Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token", sessionToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", resource, "scope", scope)));
    return r.json().get("access_token").asText();
  }

  static HttpResponse<String> call(String method, String path, String bearer, String resource) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway + path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (resource != null) {
      b.header("X-Caracal-Resource", resource);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String bearer) throws Exception {
    return call("GET", "/v1/charges", bearer, BILLING);
  }

  /** A Gateway refusal: status, reason, the JSON error body, the request id, and nothing forwarded. */
  static void assertRefused(HttpResponse<String> r, int status, String reason) {
    assertEquals(status, r.statusCode(), r.body());
    String requestId = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow(() -> new AssertionError("no request id: " + r.body()));
    assertRefused(status, reason, r.statusCode(), requestId, Json.read(r.body(), JsonNode.class), r.body());
  }

  static void assertRefused(RawHttp.Response r, int status, String reason) {
    assertEquals(status, r.status(), r.toString());
    String requestId = r.header("X-Caracal-Request-Id").orElseThrow(() -> new AssertionError("no request id: " + r));
    assertRefused(status, reason, r.status(), requestId, r.json(), r.toString());
  }

  private static void assertRefused(int status, String reason, int actualStatus, String requestId, JsonNode json, String shown) {
    assertEquals(status, actualStatus, shown);
    assertEquals(reason, json.path("reason").asText(), shown);
    assertEquals(requestId, json.path("request_id").asText(), shown);
    assertFalse(json.path("error").asText().isEmpty(), shown);
    assertFalse(json.path("message").asText().isEmpty(), shown);
    assertFalse(forwarded.containsKey(requestId), "refused request reached the upstream: " + shown);
  }

  static void assertForwarded(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    String requestId = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    assertTrue(forwarded.containsKey(requestId), r.body());
  }

  static String rawRequest(String requestLine, String extraHeaders, String body) {
    return requestLine + "\r\nHost: gw\r\nAuthorization: Bearer " + token + "\r\nX-Caracal-Resource: " + BILLING + "\r\n"
        + extraHeaders + "\r\n" + body;
  }

  static SigningKey realKey(String jwt) {
    return server.control().keys().find(ForgedTokens.header(jwt).getKeyID()).orElseThrow();
  }

  /** The real token's claims, edited, signed with the zone's real key. */
  static String resigned(java.util.function.UnaryOperator<JWTClaimsSet.Builder> edit) {
    SigningKey key = realKey(token);
    return ForgedTokens.ed25519(key.jwk(), "at+jwt", key.kid(), ForgedTokens.edit(token, edit));
  }

  // tokens

  @Test
  void validToken_forwardedWithRequestId() throws Exception {
    assertForwarded(get(token));
  }

  @Test
  void noToken_401TokenMissing() throws Exception {
    assertRefused(get(null), 401, "token_missing");
    var basic = http.send(HttpRequest.newBuilder(URI.create(gateway + "/v1/charges")).header("Authorization", "Basic YTpi")
        .header("X-Caracal-Resource", BILLING).build(), HttpResponse.BodyHandlers.ofString());
    assertRefused(basic, 401, "token_missing");
    assertTrue(basic.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), basic.headers().toString());
  }

  @Test
  void garbageToken_401TokenMalformed() throws Exception {
    assertRefused(get("garbage"), 401, "token_malformed");
    assertRefused(get("a.b.c"), 401, "token_malformed");
    assertRefused(get(token.substring(0, token.lastIndexOf('.'))), 401, "token_malformed");
  }

  @Test
  void algNone_401AlgorithmNotAllowed() throws Exception {
    assertRefused(get(ForgedTokens.unsecured("at+jwt", realKey(token).kid(), ForgedTokens.claims(token))), 401, "token_alg_not_allowed");
  }

  @Test
  void hs256SignedWithThePublicKey_401AlgorithmNotAllowed() throws Exception {
    JsonNode jwk = null;
    for (JsonNode k : client.get("/.well-known/jwks.json").json().get("keys")) {
      if (k.get("kid").asText().equals(realKey(token).kid())) {
        jwk = k;
      }
    }
    assertNotNull(jwk, "the token's key is published");
    String kid = jwk.get("kid").asText();
    byte[] rawPublicKey = Base64URL.from(jwk.get("x").asText()).decode();
    assertRefused(get(ForgedTokens.hs256(rawPublicKey, "at+jwt", kid, ForgedTokens.claims(token))), 401, "token_alg_not_allowed");
    byte[] jwkText = jwk.toString().getBytes(StandardCharsets.UTF_8);
    assertRefused(get(ForgedTokens.hs256(jwkText, "at+jwt", kid, ForgedTokens.claims(token))), 401, "token_alg_not_allowed");
  }

  @Test
  void rs256_401AlgorithmNotAllowed() throws Exception {
    assertRefused(get(ForgedTokens.rs256("at+jwt", realKey(token).kid(), ForgedTokens.claims(token))), 401, "token_alg_not_allowed");
  }

  @Test
  void unknownKid_401UnknownKey() throws Exception {
    var attacker = ForgedTokens.freshEd25519("attacker-key");
    assertRefused(get(ForgedTokens.ed25519(attacker, "at+jwt", "attacker-key", ForgedTokens.claims(token))), 401, "token_unknown_key");
  }

  @Test
  void ownKeyUnderTheRealKid_401SignatureInvalid() throws Exception {
    String kid = realKey(token).kid();
    var attacker = ForgedTokens.freshEd25519(kid);
    assertRefused(get(ForgedTokens.ed25519(attacker, "at+jwt", kid, ForgedTokens.claims(token))), 401, "token_signature_invalid");
  }

  @Test
  void tamperedPayload_401SignatureInvalid() throws Exception {
    String[] parts = token.split("\\.");
    JWTClaimsSet widened = ForgedTokens.edit(token, b -> b.claim("scope", "billing:read billing:charge billing:admin"));
    String tampered = parts[0] + "." + Base64URL.encode(widened.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertRefused(get(tampered), 401, "token_signature_invalid");
  }

  @Test
  void expired_401TokenExpired() throws Exception {
    Instant now = Instant.now();
    String expired = resigned(b -> b.issueTime(Date.from(now.minus(20, ChronoUnit.MINUTES)))
        .notBeforeTime(Date.from(now.minus(20, ChronoUnit.MINUTES))).expirationTime(Date.from(now.minus(10, ChronoUnit.MINUTES))));
    assertRefused(get(expired), 401, "token_expired");
  }

  @Test
  void notYetValid_401TokenNotYetValid() throws Exception {
    Instant now = Instant.now();
    String early = resigned(b -> b.notBeforeTime(Date.from(now.plus(10, ChronoUnit.MINUTES)))
        .expirationTime(Date.from(now.plus(14, ChronoUnit.MINUTES))));
    assertRefused(get(early), 401, "token_not_yet_valid");
  }

  @Test
  void tokenForAnotherResource_401AudienceInvalid() throws Exception {
    String forOther = accessToken(agent, openSession(agent).sessionToken, OTHER, "other:read");
    assertForwarded(call("GET", "/v1/x", forOther, OTHER));
    assertRefused(call("GET", "/v1/x", forOther, BILLING), 401, "token_audience_invalid");
    assertRefused(call("GET", "/v1/x", token, OTHER), 401, "token_audience_invalid");
  }

  @Test
  void audienceRewrittenAndResigned_stillRefusedWithoutTheKey() throws Exception {
    var attacker = ForgedTokens.freshEd25519(realKey(token).kid());
    String rewritten = ForgedTokens.ed25519(attacker, "at+jwt", realKey(token).kid(), ForgedTokens.edit(token, b -> b.audience(OTHER)));
    assertRefused(call("GET", "/v1/x", rewritten, OTHER), 401, "token_signature_invalid");
  }

  @Test
  void sessionTokenAsBearer_401TokenTypeInvalid() throws Exception {
    assertRefused(get(openSession(agent).sessionToken), 401, "token_type_invalid");
  }

  @Test
  void tokenSignedByAnotherZonesKey_401ZoneMismatch() throws Exception {
    String otherZone = ok(client.admin("POST", "/admin/v1/zones", Map.of("name", "elsewhere"))).json().get("id").asText();
    SigningKey foreign = server.control().keys().current(otherZone);
    assertRefused(get(ForgedTokens.ed25519(foreign.jwk(), "at+jwt", foreign.kid(), ForgedTokens.claims(token))), 401, "token_zone_mismatch");
  }

  @Test
  void revokedSession_401SessionRevoked() throws Exception {
    Session session = openSession(agent);
    String t = accessToken(agent, session.sessionToken, BILLING, "billing:read");
    assertForwarded(get(t));
    ok(client.app("DELETE", "/v1/sessions/" + session.id, agent.id(), agent.secret(), null, null));
    assertRefused(get(t), 401, "session_revoked");
  }

  @Test
  void revokedToken_401TokenRevoked() throws Exception {
    Session session = openSession(agent);
    String t = accessToken(agent, session.sessionToken, BILLING, "billing:read");
    String sibling = accessToken(agent, session.sessionToken, BILLING, "billing:read");
    assertForwarded(get(t));
    assertEquals(200, client.form("/oauth2/revoke", agent.id(), agent.secret(), Map.of("token", t)).status());
    assertRefused(get(t), 401, "token_revoked");
    assertForwarded(get(sibling));
  }

  @Test
  void tokenOfADisabledApp_401AppDisabled() throws Exception {
    App doomed = app("doomed");
    String t = accessToken(doomed, openSession(doomed).sessionToken, BILLING, "billing:read");
    assertForwarded(get(t));
    ok(client.admin("POST", "/admin/v1/apps/" + doomed.id() + "/disable", null));
    assertRefused(get(t), 401, "app_disabled");
    assertEquals(409, client.admin("DELETE", "/admin/v1/apps/" + doomed.id(), null).status(), "an app with sessions is disabled, not deleted");
    ok(client.admin("POST", "/admin/v1/apps/" + doomed.id() + "/enable", null));
    assertForwarded(get(t));
  }

  @Test
  void unknownOrMissingResource_404Or400() throws Exception {
    assertRefused(call("GET", "/v1/x", token, "resource://nope"), 404, "unknown_resource");
    assertRefused(call("GET", "/v1/x", token, null), 400, "resource_header_missing");
  }

  // operations declared on the resource

  @Test
  void declaredOperations_mapToOneScope() throws Exception {
    String readOnly = accessToken(agent, openSession(agent).sessionToken, OPS, "ops:read");
    assertForwarded(call("GET", "/v1/items/42", readOnly, OPS));
    assertRefused(call("DELETE", "/v1/items/42", readOnly, OPS), 403, "operation_not_declared");
    assertRefused(call("GET", "/v1/items/42/secrets", readOnly, OPS), 403, "operation_not_declared");
    assertRefused(call("POST", "/v1/items", readOnly, OPS), 403, "scope_not_in_token");
    String writer = accessToken(agent, openSession(agent).sessionToken, OPS, "ops:write");
    assertForwarded(call("POST", "/v1/items", writer, OPS));
    assertRefused(call("GET", "/v1/items/42", writer, OPS), 403, "scope_not_in_token");
  }

  @Test
  void declaredOperations_decisionRecordedWithTheReason() throws Exception {
    String readOnly = accessToken(agent, openSession(agent).sessionToken, OPS, "ops:read");
    var r = call("DELETE", "/v1/items/42", readOnly, OPS);
    String requestId = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    var events = server.ledger().byRequestId(requestId);
    assertEquals(1, events.size(), events.toString());
    assertEquals("gateway.decision", events.get(0).event().type());
    assertTrue(events.get(0).event().explanation().contains("operation_not_declared"), events.get(0).event().explanation());
  }

  // paths

  @ParameterizedTest
  @ValueSource(strings = {"/v1/../../etc/passwd", "/v1/%2e%2e/%2e%2e/etc/passwd", "/v1/%2E%2E/admin", "/v1/.%2e/admin",
      "/v1/%252e%252e/admin", "/v1/..%5cadmin", "/v1/%5c..%5cadmin", "/v1/..;/admin", "/v1/./charges"})
  void pathTraversal_400PathTraversal(String target) {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET " + target + " HTTP/1.1", "", "")), 400, "path_traversal");
  }

  @Test
  void rawBackslashTraversal_400() {
    var r = RawHttp.exchange(gateway, rawRequest("GET /v1/..\\..\\admin HTTP/1.1", "", ""));
    assertEquals(400, r.status(), r.toString());
    assertTrue(r.header("X-Caracal-Request-Id").isPresent(), r.toString());
    assertFalse(upstreamPaths.stream().anyMatch(p -> p.contains("admin")), upstreamPaths.toString());
  }

  @Test
  void absoluteFormTarget_400InvalidTarget() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET http://169.254.169.254/latest/meta-data HTTP/1.1", "", "")), 400,
        "invalid_target");
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET http://127.0.0.1:1/v1/charges HTTP/1.1", "", "")), 400, "invalid_target");
  }

  // framing

  @Test
  void clTe_400AmbiguousFramingAndNothingSmuggled() {
    try (RawHttp raw = new RawHttp(gateway)) {
      raw.send(rawRequest("POST /v1/charges HTTP/1.1", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
          "0\r\n\r\nGET /smuggled-clte HTTP/1.1\r\nHost: gw\r\nX-Caracal-Resource: " + BILLING + "\r\nAuthorization: Bearer " + token
              + "\r\n\r\n"));
      assertRefused(raw.read(false), 400, "ambiguous_framing");
      assertTrue(raw.closedByPeer(), "connection closed after the refusal");
    }
    assertFalse(upstreamPaths.stream().anyMatch(p -> p.contains("smuggled")), upstreamPaths.toString());
  }

  @Test
  void teCl_400AmbiguousFramingAndNothingSmuggled() {
    try (RawHttp raw = new RawHttp(gateway)) {
      String smuggled = "GET /smuggled-tecl HTTP/1.1\r\nHost: gw\r\nX-Caracal-Resource: " + BILLING + "\r\nAuthorization: Bearer " + token
          + "\r\n\r\n";
      String chunk = Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
      raw.send(rawRequest("POST /v1/charges HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", chunk));
      assertRefused(raw.read(false), 400, "ambiguous_framing");
      assertTrue(raw.closedByPeer(), "connection closed after the refusal");
    }
    assertFalse(upstreamPaths.stream().anyMatch(p -> p.contains("smuggled")), upstreamPaths.toString());
  }

  @Test
  void duplicateOrInvalidContentLength_400() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("POST /v1/charges HTTP/1.1", "Content-Length: 2\r\nContent-Length: 3\r\n", "abc")),
        400, "ambiguous_framing");
    assertRefused(RawHttp.exchange(gateway, rawRequest("POST /v1/charges HTTP/1.1", "Content-Length: 2, 2\r\n", "ab")), 400,
        "ambiguous_framing");
    assertRefused(RawHttp.exchange(gateway, rawRequest("POST /v1/charges HTTP/1.1", "Content-Length: -1\r\n", "ab")), 400,
        "ambiguous_framing");
    assertRefused(RawHttp.exchange(gateway, rawRequest("POST /v1/charges HTTP/1.1", "Content-Length: +2\r\n", "ab")), 400,
        "ambiguous_framing");
  }

  /** Spellings RFC 9112 reads as `chunked`: framed as chunked and forwarded with the canonical header. */
  @ParameterizedTest
  @ValueSource(strings = {"chunked ", "Chunked", "CHUNKED", "\tchunked", "chunked\t"})
  void transferEncoding_equivalentSpelling_framedAsChunked(String value) {
    var r = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Transfer-Encoding: " + value + "\r\nConnection: close\r\n",
        "5\r\nhello\r\n0\r\n\r\n"));
    assertEquals(200, r.status(), r.toString());
    assertTrue(r.text().contains("body=hello\n"), r.text());
    assertTrue(r.text().contains("transfer-encoding=[chunked]"), r.text());
    assertFalse(r.text().contains("content-length="), r.text());
  }

  @ParameterizedTest
  @ValueSource(strings = {"chunked ", "Chunked", "\tchunked", "chunked\t", "chunked, chunked", "gzip, chunked", "chunked, identity",
      "identity", "xchunked", "chunked;q=1"})
  void transferEncoding_obfuscatedWithContentLength_400AmbiguousFraming(String value) {
    var r = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding: " + value + "\r\n",
        "0\r\n\r\nX"));
    assertRefused(r, 400, "ambiguous_framing");
  }

  @ParameterizedTest
  @ValueSource(strings = {"chunked, chunked", "gzip, chunked", "chunked, identity", "identity", "xchunked", "chunked;q=1", "chunked\u000b"})
  void transferEncoding_otherCodingsWithoutContentLength_400AmbiguousFraming(String value) {
    var r = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Transfer-Encoding: " + value + "\r\n", "5\r\nhello\r\n0\r\n\r\n"));
    assertRefused(r, 400, "ambiguous_framing");
  }

  @Test
  void transferEncoding_repeatedHeader_400AmbiguousFraming() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "0\r\n\r\n")), 400, "ambiguous_framing");
  }

  @Test
  void transferEncoding_whitespaceBeforeColonOrFolded_400() {
    var spaced = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n",
        "0\r\n\r\nX"));
    assertRefused(spaced, 400, "ambiguous_framing");
    var spacedAlone = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Transfer-Encoding : chunked\r\n",
        "5\r\nhello\r\n0\r\n\r\n"));
    assertRefused(spacedAlone, 400, "ambiguous_framing");
    assertFalse(spacedAlone.json().path("message").asText().contains("content-length"), spacedAlone.toString());
    var folded = RawHttp.exchange(gateway, rawRequest("POST /v1/te HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n",
        "0\r\n\r\nX"));
    assertRefused(folded, 400, "ambiguous_framing");
  }

  @Test
  void invalidChunkMidBody_400AndTheUpstreamNeverGetsACompleteBody() {
    var r = RawHttp.exchange(gateway, rawRequest("POST /v1/badchunk HTTP/1.1", "Transfer-Encoding: chunked\r\n",
        "5\r\nhello\r\nZZ\r\nmore\r\n0\r\n\r\n"));
    assertEquals(400, r.status(), r.toString());
    assertEquals("malformed_request", r.json().path("reason").asText(), r.toString());
    assertFalse(forwarded.containsValue("/base/v1/badchunk"), "a truncated body was delivered as complete");
  }

  // header injection and size

  @ParameterizedTest
  @ValueSource(strings = {"X-Note: a\rX-Injected: yes\r\n", "X-Note: a\nX-Injected: yes\r\n", "X-Note: a\u0000b\r\n",
      "X-Bad Name: x\r\n", "X-Note\r\n", ": novalue\r\n"})
  void headerInjection_400MalformedRequest(String header) {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/inject HTTP/1.1", header, "")), 400, "malformed_request");
  }

  @Test
  void headerInjection_obsFoldNeverBecomesAHeader() {
    var r = RawHttp.exchange(gateway, rawRequest("GET /v1/fold HTTP/1.1", "X-Note: a\r\n X-Injected: yes\r\nConnection: close\r\n", ""));
    if (r.status() == 200) {
      assertFalse(r.text().contains("x-injected="), r.text());
    } else {
      assertRefused(r, 400, "malformed_request");
    }
  }

  @Test
  void encodedCrlfInPath_400() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/x%0d%0aX-Injected:%20yes HTTP/1.1", "", "")), 400, "path_traversal");
  }

  @Test
  void oversizedHeaders_431() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/big HTTP/1.1", "X-Big: " + "a".repeat(20_000) + "\r\n", "")), 431,
        "headers_too_large");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      many.append("X-H").append(i).append(": ").append("v".repeat(40)).append("\r\n");
    }
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/many HTTP/1.1", many.toString(), "")), 431, "headers_too_large");
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/" + "p".repeat(9_000) + " HTTP/1.1", "", "")), 431, "headers_too_large");
  }

  @Test
  void duplicateCredentialOrResourceHeaders_400DuplicateHeader() {
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/dup HTTP/1.1", "Authorization: Bearer other\r\n", "")), 400, "duplicate_header");
    assertRefused(RawHttp.exchange(gateway, rawRequest("GET /v1/dup HTTP/1.1", "X-Caracal-Resource: " + OTHER + "\r\n", "")), 400,
        "duplicate_header");
  }

  @Test
  void http2PriorKnowledgeOrGarbage_400() {
    var r = RawHttp.exchange(gateway, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assertEquals(400, r.status(), r.toString());
    assertTrue(r.header("X-Caracal-Request-Id").isPresent(), r.toString());
  }

  @Test
  void everyResponse_carriesTheRequestId() throws Exception {
    List<HttpResponse<String>> all = List.of(get(token), get(null), get("garbage"), call("GET", "/v1/x", token, "resource://nope"),
        call("GET", "/v1/x", token, null));
    Map<Integer, String> ids = new LinkedHashMap<>();
    for (var r : all) {
      String id = r.headers().firstValue("X-Caracal-Request-Id").orElseThrow(() -> new AssertionError(r.statusCode() + " " + r.body()));
      assertTrue(id.startsWith("req"), id);
      assertFalse(ids.containsValue(id), "request ids are unique");
      ids.put(ids.size(), id);
    }
  }
}
