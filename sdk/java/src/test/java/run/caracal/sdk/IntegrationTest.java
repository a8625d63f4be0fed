package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The SDK against a real Caracal server (the built jar) and a real upstream; see {@link Stack}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntegrationTest {
  private static final String ECHO = "resource://echo";
  private static final String LEDGER = "resource://ledger";
  private static final String DENY_POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: sdk-deny, description: The SDK tests' zone never grants admin and never deletes}
      spec:
        resources: ["resource://ledger"]
        rules:
          - name: agents-read-and-write
            effect: allow
            scopes: ["read", "write", "admin"]
            when: "true"
          - name: never-admin
            effect: deny
            scopes: ["admin"]
            when: "true"
            reason: admin is never granted to agents
          - name: no-deletes
            effect: deny
            scopes: ["*"]
            when: "request.method == 'DELETE'"
            reason: agents may not delete
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: sdk-deny}
      spec: {policies: [sdk-deny]}
      """;

  private Stack stack;
  private Path main; // zone sdk-java, resource://echo (read, write), upstream <upstream>/api
  private Path deny; // zone sdk-java-deny, resource://ledger under a deny policy

  @BeforeAll
  void start() throws Exception {
    String skip = Stack.unavailable();
    if (skip != null) System.out.println("# " + skip);
    assumeTrue(skip == null, skip);
    stack = Stack.start();
    main = stack.setup("sdk-java", "agent", ECHO, "read,write", stack.upstreamUrl + "/api");
    deny = stack.setup("sdk-java-deny", "denied-agent", LEDGER, "read,write,admin", stack.upstreamUrl + "/ledger");
    String zone = Profile.load(deny).zoneId();
    var body = Json.MAPPER.createObjectNode();
    var file = body.putArray("files").addObject();
    file.put("name", "sdk-deny.yaml");
    file.put("content", DENY_POLICY);
    stack.admin("POST", "/admin/v1/zones/" + zone + "/policies", body.toString());
    stack.admin("POST", "/admin/v1/zones/" + zone + "/activate", "{\"policy_set\":\"sdk-deny\"}");
  }

  @AfterAll
  void stop() {
    if (stack != null) stack.close();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static JsonNode claims(String token) {
    return Json.parseObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  private static String bearer(Map<String, String> headers) {
    String value = headers.get("Authorization");
    assertNotNull(value, "no Authorization header");
    return value.substring("Bearer ".length());
  }

  /** A plain GET, outside the SDK. */
  private HttpResponse<String> rawGet(GatewayRequest r) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url()));
    r.headers().forEach(b::header);
    return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) {
    JsonNode node = Json.parseObject(response.body());
    assertNotNull(node, "not JSON: " + response.body());
    return node;
  }

  private void assertRevoked(GatewayRequest r) throws Exception {
    HttpResponse<String> after = rawGet(r);
    assertEquals(401, after.statusCode(), after.body());
    assertEquals("session_revoked", json(after).path("reason").asText());
    assertEquals(after.headers().firstValue("x-caracal-request-id").orElse(null), json(after).path("request_id").asText());
  }

  // ---- profile ------------------------------------------------------------------------------

  @Test
  void profileFromCaracalConfig() {
    Caracal caracal = Caracal.create(Map.of("CARACAL_CONFIG", main.toString()));
    Profile p = caracal.profile();
    assertEquals(stack.stsUrl, p.stsUrl());
    assertEquals(stack.gatewayUrl, p.gatewayUrl());
    assertTrue(p.applicationId().startsWith("app_"), p.applicationId());
    assertEquals(new Profile.Credential(ECHO, List.of("read", "write"), "CARACAL_TOKEN_ECHO",
        java.util.Optional.of(stack.upstreamUrl + "/api")), p.credentials().get(0));
    assertFalse(p.toString().contains(p.secret()));
  }

  @Test
  void environmentVariablesReachTheServer() throws Exception {
    Profile p = Profile.load(main);
    Caracal caracal = Caracal.create(Map.of("CARACAL_STS_URL", p.stsUrl(), "CARACAL_GATEWAY_URL", p.gatewayUrl(),
        "CARACAL_APPLICATION_ID", p.applicationId(), "CARACAL_APP_CLIENT_SECRET_FILE", main.resolveSibling("agent.secret").toString(),
        "CARACAL_TTL_SECONDS", "120", "CARACAL_RESOURCE", ECHO, "CARACAL_SCOPES", "read"));
    assertEquals("environment", caracal.profile().source());
    try (AgentSession session = caracal.spawn()) {
      assertEquals(List.of("read"), session.scopes());
      assertTrue(session.timeLeft().toSeconds() <= 120);
      GatewayRequest r = caracal.gatewayRequest(ECHO, "/env");
      assertEquals(200, caracal.transport().get(r.url(), r.headers()).statusCode());
    }
  }

  @Test
  void caracalConfigWinsOverEnvironment() {
    Caracal caracal = Caracal.create(Map.of("CARACAL_CONFIG", main.toString(), "CARACAL_STS_URL", "http://127.0.0.1:9",
        "CARACAL_APPLICATION_ID", "app_wrong", "CARACAL_APP_CLIENT_SECRET", "wrong"));
    caracal.spawn(session -> assertTrue(session.id().startsWith("ses_"), session.id()));
  }

  @Test
  void xdgProfileIsTheLastResort() throws Exception {
    Path xdg = Files.createTempDirectory("caracal-xdg-");
    try {
      Files.createDirectories(xdg.resolve("caracal"));
      Path copy = xdg.resolve("caracal/caracal.toml");
      // the profile names its secret file by absolute path, so a copy works as is
      Files.copy(main, copy);
      Caracal caracal = Caracal.create(Map.of("XDG_CONFIG_HOME", xdg.toString()));
      assertEquals(copy.toString(), caracal.profile().source());
      caracal.spawn(session -> assertEquals(ECHO, caracal.gatewayRequest(ECHO, "/").resourceId()));
    } finally {
      Files.deleteIfExists(xdg.resolve("caracal/caracal.toml"));
      Files.deleteIfExists(xdg.resolve("caracal"));
      Files.deleteIfExists(xdg);
    }
  }

  @Test
  void wrongSecretSurfacesReasonAndRequestId() {
    Profile p = Profile.load(main);
    Caracal caracal = Caracal.create(Map.of("CARACAL_STS_URL", p.stsUrl(), "CARACAL_APPLICATION_ID", p.applicationId(),
        "CARACAL_APP_CLIENT_SECRET", "not-the-secret"));
    StsException e = assertThrows(StsException.class, caracal::spawn);
    assertEquals(List.of(401, "invalid_client", "client_auth_failed"), List.of(e.status(), e.error(), e.reason()));
    assertNotNull(e.requestId());
    assertNull(caracal.currentSession().orElse(null));
  }

  // ---- spawn --------------------------------------------------------------------------------

  @Test
  void spawnCallsAResourceThroughTheGateway() throws Exception {
    Caracal caracal = Caracal.fromProfile(main);
    HttpResponse<String> response;
    AgentSession s;
    try (AgentSession session = caracal.spawn()) {
      s = session;
      assertEquals(session, caracal.currentSession().orElseThrow());
      assertEquals(List.of(0, 0, false), List.of(session.depth(), session.hop(), session.delegated()));
      assertEquals(List.of(ECHO), session.resources());
      GatewayRequest request = caracal.gatewayRequest(ECHO, "/charge");
      assertEquals(stack.gatewayUrl + "/charge", request.url());
      assertEquals(ECHO, request.headers().get("X-Caracal-Resource"));
      JsonNode token = claims(bearer(request.headers()));
      assertEquals(List.of("read write", session.id(), ECHO), List.of(token.path("scope").asText(), token.path("sid").asText(), token.path("aud").asText()));
      Map<String, String> headers = new HashMap<>(request.headers());
      headers.put("Content-Type", "application/json");
      response = caracal.transport().post(request.url(), headers, "{\"amount\": 1200}");
      // cached per session and scopes
      assertEquals(bearer(request.headers()), bearer(caracal.gatewayRequest(ECHO, "/b").headers()));
      String read = caracal.token(ECHO, List.of("read"));
      assertEquals("read", claims(read).path("scope").asText());
    }
    assertTrue(caracal.currentSession().isEmpty());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("x-caracal-request-id").orElse("").startsWith("req_"));
    JsonNode seen = json(response);
    assertEquals("POST", seen.path("method").asText());
    assertEquals("/api/charge", seen.path("path").asText());
    assertEquals(1200, Json.parseObject(seen.path("body").asText()).path("amount").asInt());
    assertFalse(seen.path("headers").has("authorization")); // the Gateway never forwards the agent's token
    assertEquals(s.traceId(), seen.path("headers").path("traceparent").asText().split("-")[1]);
    assertTrue(seen.path("headers").path("baggage").asText().contains("caracal.session_id=" + s.id() + ",caracal.hop=0"));
  }

  @Test
  void endingTheBlockRevokesTheSession() throws Exception {
    Caracal caracal = Caracal.fromProfile(main);
    GatewayRequest request;
    try (AgentSession session = caracal.spawn()) {
      request = caracal.gatewayRequest(ECHO, "/before");
      assertEquals(200, rawGet(request).statusCode());
    }
    assertRevoked(request);
    // the transport outside a session passes the stale token through; the error explains the refusal
    HttpResponse<String> response = caracal.transport().get(request.url(), request.headers());
    CaracalException error = GatewayException.fromResponse(response).orElseThrow();
    assertTrue(error instanceof GatewayException, error.toString());
    assertEquals(List.of(401, "session_revoked", response.headers().firstValue("x-caracal-request-id").orElseThrow()),
        List.of(error.status(), error.reason(), error.requestId()));
    assertTrue(error.getMessage().contains("caracal explain " + error.requestId()), error.getMessage());
    GatewayException thrown = assertThrows(GatewayException.class,
        () -> caracal.transport(TransportOptions.defaults().withThrowOnError(true)).get(request.url(), request.headers()));
    assertEquals("session_revoked", thrown.reason());
  }

  @Test
  void aLambdaThatThrowsStillRevokesItsSession() throws Exception {
    Caracal caracal = Caracal.fromProfile(main);
    AtomicReference<GatewayRequest> request = new AtomicReference<>();
    IllegalStateException boom = assertThrows(IllegalStateException.class, () -> caracal.spawn(session -> {
      request.set(caracal.gatewayRequest(ECHO, "/x"));
      throw new IllegalStateException("boom");
    }));
    assertEquals("boom", boom.getMessage());
    assertRevoked(request.get());
    assertTrue(caracal.currentSession().isEmpty());
    // the function form returns the block's value
    assertEquals("ses_", caracal.call(session -> session.id().substring(0, 4)));
  }

  @Test
  void gatewayRequestOutsideSpawnIsRefused() {
    Caracal caracal = Caracal.fromProfile(main);
    NoActiveSessionException e = assertThrows(NoActiveSessionException.class, () -> caracal.gatewayRequest(ECHO, "/"));
    assertTrue(e.getMessage().contains("caracal.spawn("), e.getMessage());
    assertThrows(NoActiveSessionException.class, () -> caracal.transport().get(stack.upstreamUrl + "/api/items", Map.of()));
  }

  @Test
  void nestedSpawnInheritsByDelegationAndEndsOnlyTheChild() throws Exception {
    Caracal caracal = Caracal.fromProfile(main);
    try (AgentSession parent = caracal.spawn()) {
      GatewayRequest childRequest;
      try (AgentSession child = caracal.spawn(Grant.inherit())) {
        assertEquals(child, caracal.currentSession().orElseThrow());
        assertEquals(List.of(1, 1, true, parent.id(), parent.traceId()),
            List.of(child.depth(), child.hop(), child.delegated(), child.rootId(), child.traceId()));
        assertEquals(List.of("read", "write"), child.scopes().stream().sorted().toList());
        childRequest = caracal.gatewayRequest(ECHO, "/child");
        JsonNode token = claims(bearer(childRequest.headers()));
        assertEquals(child.id(), token.path("sid").asText());
        assertTrue(token.has("act"), "the delegation chain is in the token");
        JsonNode seen = json(caracal.transport().get(childRequest.url(), childRequest.headers()));
        assertTrue(seen.path("headers").path("baggage").asText().contains("caracal.hop=1"));
      }
      assertEquals(parent, caracal.currentSession().orElseThrow());
      assertRevoked(childRequest);
      assertEquals(200, rawGet(caracal.gatewayRequest(ECHO, "/parent")).statusCode());
    }
  }

  @Test
  void aNarrowedChildHoldsOnlyTheSubsetAndCannotWiden() {
    Caracal caracal = Caracal.fromProfile(main);
    List<StsException> errors = new ArrayList<>();
    caracal.spawn(parent -> {
      caracal.spawn(Grant.narrow(List.of("read"), ECHO, Duration.ofSeconds(60)), child -> {
        assertEquals(List.of(List.of("read"), List.of(ECHO)), List.of(child.scopes(), child.resources()));
        assertTrue(child.timeLeft().toSeconds() <= 60);
        assertEquals("read", claims(bearer(caracal.gatewayRequest(ECHO, "/").headers())).path("scope").asText());
        assertEquals("invalid_scope", assertThrows(StsException.class, () -> caracal.token(ECHO, List.of("write"))).error());
        errors.add(assertThrows(StsException.class, () -> caracal.spawn(Grant.narrow(List.of("read", "write")))));
      });
      errors.add(assertThrows(StsException.class, () -> caracal.spawn(Grant.narrow(List.of("admin")))));
      StsException target = assertThrows(StsException.class, () -> caracal.spawn(Grant.narrow("resource://elsewhere")));
      assertEquals("invalid_target", target.error());
      assertEquals(parent, caracal.currentSession().orElseThrow());
    });
    assertEquals(2, errors.size());
    for (StsException e : errors) {
      assertEquals(List.of(400, "invalid_scope", "scope_escalation"), List.of(e.status(), e.error(), e.reason()));
      assertTrue(e.requestId().startsWith("req_"), e.requestId());
      assertTrue(e.getMessage().contains("[caracal explain " + e.requestId() + "]"), e.getMessage());
    }
  }

  @Test
  void grantNoneOpensAnIndependentSession() {
    Caracal caracal = Caracal.fromProfile(main);
    caracal.spawn(parent -> {
      caracal.spawn(Grant.none(), child -> {
        assertEquals(List.of(0, false, 1, child.id(), parent.traceId()),
            List.of(child.depth(), child.delegated(), child.hop(), child.rootId(), child.traceId()));
        assertFalse(claims(caracal.token(ECHO, List.of("read"))).has("act"));
      });
      assertEquals(200, rawGet(caracal.gatewayRequest(ECHO, "/")).statusCode());
    });
  }

  // ---- under `caracal run` ------------------------------------------------------------------

  /** One STS call with the app's own credentials (HTTP Basic), as `caracal run` makes them. */
  private JsonNode asApp(Profile p, String method, String path, String json) throws Exception {
    String basic = Base64.getEncoder().encodeToString((java.net.URLEncoder.encode(p.applicationId(), StandardCharsets.UTF_8) + ":"
        + java.net.URLEncoder.encode(p.secret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(p.stsUrl() + path)).header("Authorization", "Basic " + basic)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) b.header("Content-Type", "application/json");
    HttpResponse<String> r = stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() < 300, method + " " + path + ": " + r.statusCode() + " " + r.body());
    return json(r);
  }

  /** The session `caracal run` opens: POST /v1/sessions with the app's credentials. */
  private JsonNode openRunSession(Profile p) throws Exception {
    JsonNode run = asApp(p, "POST", "/v1/sessions", "{\"ttl_seconds\":" + p.ttlSeconds() + "}");
    assertEquals(0, run.path("depth").asInt());
    return run;
  }

  /** A client that sees CARACAL_SESSION_TOKEN, as a child of `caracal run` does. */
  private Caracal underRun(String runToken) {
    return Caracal.builder().profile(main).env(Map.of(Caracal.RUN_SESSION_TOKEN_ENV, runToken)).build();
  }

  @Test
  void underCaracalRunATopLevelSpawnIsDelegatedAndEndsWithTheRunSession() throws Exception {
    Profile p = Profile.load(main);
    JsonNode run = openRunSession(p);
    String runId = run.path("session_id").asText();
    Caracal caracal = underRun(run.path("session_token").asText());
    GatewayRequest request;
    try (AgentSession session = caracal.spawn()) {
      assertEquals(List.of(1, 0, true, runId), List.of(session.depth(), session.hop(), session.delegated(), session.rootId()));
      assertTrue(session.parent().isEmpty(), "no parent in this process");
      assertEquals(List.of(ECHO), session.resources());
      assertEquals(List.of("read", "write"), session.scopes().stream().sorted().toList());
      JsonNode view = asApp(p, "GET", "/v1/sessions/" + session.id(), null);
      assertEquals(List.of(runId, 1), List.of(view.path("parent_session_id").asText(), view.path("depth").asInt()));
      request = caracal.gatewayRequest(ECHO, "/under-run");
      JsonNode token = claims(bearer(request.headers()));
      assertEquals(session.id(), token.path("sid").asText());
      assertTrue(token.has("act"), "the delegation from the run session is in the token");
      HttpResponse<String> before = caracal.transport().get(request.url(), request.headers());
      assertEquals(200, before.statusCode(), before.body());
      assertEquals("/api/under-run", json(before).path("path").asText());
      // `caracal run` ends its session (or an operator terminates it): the cascade reaches the SDK's
      JsonNode ended = asApp(p, "DELETE", "/v1/sessions/" + runId, null);
      List<String> terminated = new ArrayList<>();
      ended.path("terminated").forEach(n -> terminated.add(n.asText()));
      assertTrue(terminated.contains(session.id()), ended.toString());
      assertRevoked(request);
      assertRevoked(caracal.gatewayRequest(ECHO, "/after"));
    }
    assertTrue(caracal.currentSession().isEmpty());
    // a later top-level spawn cannot outlive the run's session either
    StsException stale = assertThrows(StsException.class, caracal::spawn);
    assertEquals(List.of("invalid_grant", "session_revoked"), List.of(stale.error(), stale.reason()));
    assertTrue(stale.getMessage().contains("caracal run"), stale.getMessage());
  }

  @Test
  void underCaracalRunGrantNoneOpensAnIndependentSession() throws Exception {
    Profile p = Profile.load(main);
    JsonNode run = openRunSession(p);
    String runId = run.path("session_id").asText();
    Caracal caracal = underRun(run.path("session_token").asText());
    try (AgentSession session = caracal.spawn(Grant.none())) {
      assertEquals(List.of(0, 0, false, session.id()), List.of(session.depth(), session.hop(), session.delegated(), session.rootId()));
      JsonNode view = asApp(p, "GET", "/v1/sessions/" + session.id(), null);
      assertTrue(view.path("parent_session_id").isNull(), view.toString());
      assertEquals(0, view.path("depth").asInt());
      GatewayRequest request = caracal.gatewayRequest(ECHO, "/independent");
      assertFalse(claims(bearer(request.headers())).has("act"));
      // ending the run's session does not reach an independent session
      asApp(p, "DELETE", "/v1/sessions/" + runId, null);
      assertEquals(200, rawGet(request).statusCode());
    }
  }

  @Test
  void underCaracalRunANarrowedTopLevelSpawnIsDelegatedAndTheRunSessionCountsTowardTheDepthLimit() throws Exception {
    Profile p = Profile.load(main);
    JsonNode run = openRunSession(p);
    Caracal caracal = underRun(run.path("session_token").asText());
    try {
      caracal.spawn(Grant.narrow(List.of("read")), top -> {
        assertEquals(List.of(1, true, List.of("read")), List.of(top.depth(), top.delegated(), top.scopes()));
        caracal.spawn(child -> caracal.spawn(grandchild -> {
          assertEquals(List.of(2, 3), List.of(child.depth(), grandchild.depth()));
          StsException tooDeep = assertThrows(StsException.class, caracal::spawn);
          assertEquals(List.of(403, "delegation_depth_exceeded"), List.of(tooDeep.status(), tooDeep.reason()));
        }));
      });
    } finally {
      asApp(p, "DELETE", "/v1/sessions/" + run.path("session_id").asText(), null);
    }
    // an empty CARACAL_SESSION_TOKEN is the same as none
    underRun("").spawn(session -> assertEquals(List.of(0, false), List.of(session.depth(), session.delegated())));
  }

  // ---- transport ----------------------------------------------------------------------------

  @Test
  void transportRoutesUpstreamPrefixThroughTheGateway() {
    Caracal caracal = Caracal.fromProfile(main);
    caracal.spawn(session -> {
      HttpResponse<String> response = caracal.transport().get(stack.upstreamUrl + "/api/items?page=2", Map.of("baggage", "user=alice"));
      assertEquals(200, response.statusCode());
      assertTrue(response.headers().firstValue("x-caracal-request-id").isPresent());
      JsonNode seen = json(response);
      assertEquals("/api/items?page=2", seen.path("path").asText());
      assertFalse(seen.path("headers").has("authorization"));
      assertEquals("user=alice,caracal.session_id=" + session.id() + ",caracal.hop=0", seen.path("headers").path("baggage").asText());
      // other URLs get only a traceparent
      HttpResponse<String> direct = caracal.transport().send(HttpRequest.newBuilder(URI.create(stack.upstreamUrl + "/elsewhere")).build());
      assertTrue(direct.headers().firstValue("x-caracal-request-id").isEmpty());
      JsonNode other = json(direct);
      assertFalse(other.path("headers").has("authorization"));
      assertFalse(other.path("headers").has("baggage"));
      assertEquals(session.traceId(), other.path("headers").path("traceparent").asText().split("-")[1]);
      // naming the resource is enough for the Gateway
      HttpResponse<String> put = caracal.transport().request("PUT", stack.gatewayUrl + "/doc", Map.of("X-Caracal-Resource", ECHO), "hello");
      assertEquals("hello", json(put).path("body").asText());
    });
  }

  @Test
  void neverRetriesANonIdempotentRequest() {
    Caracal caracal = Caracal.fromProfile(main);
    String url = stack.upstreamUrl + "/api/status/503";
    caracal.spawn(session -> {
      Transport http = caracal.transport();
      assertEquals(503, http.post(url, Map.of(), "{}").statusCode());
      assertEquals(503, http.get(url, Map.of()).statusCode());
    });
    assertEquals(1 + 3, stack.hits.get("/api/status/503").get()); // one POST, a GET tried three times
  }

  @Test
  void unreachableGatewayIsReported() {
    Caracal broken = Caracal.fromProfile(Profile.load(main).withGatewayUrl("http://127.0.0.1:9"));
    CaracalException e = assertThrows(CaracalException.class, () -> broken.spawn(session ->
        broken.transport(TransportOptions.defaults().withRetries(0)).get(stack.upstreamUrl + "/api/x", Map.of())));
    assertEquals("gateway_unreachable", e.reason());
  }

  // ---- denials ------------------------------------------------------------------------------

  @Test
  void aDeniedTokenSurfacesReasonAndRequestId() throws Exception {
    Caracal caracal = Caracal.fromProfile(deny);
    StsException e = assertThrows(StsException.class, () -> caracal.spawn(session -> caracal.token(LEDGER, List.of("admin"))));
    assertEquals(List.of(403, "access_denied", "denied_by_rule"), List.of(e.status(), e.error(), e.reason()));
    assertTrue(e.requestId().startsWith("req_"), e.requestId());
    assertEquals("caracal explain " + e.requestId(), e.explainCommand().orElseThrow());
    String explained = stack.cli("explain", e.requestId());
    assertTrue(explained.contains("never-admin"), explained);
    // the profile asks for read, write and admin: gatewayRequest throws the refusal of that token
    StsException upFront = assertThrows(StsException.class, () -> caracal.spawn(session -> caracal.gatewayRequest(LEDGER, "/")));
    assertEquals(List.of("access_denied", "denied_by_rule"), List.of(upFront.error(), upFront.reason()));
  }

  @Test
  void aDeniedRequestSurfacesReasonAndRequestId() {
    Caracal caracal = Caracal.fromProfile(deny);
    caracal.spawn(session -> {
      GatewayRequest r = caracal.gatewayRequest(LEDGER, "/entries/7", List.of("read", "write"));
      Transport http = caracal.transport();
      assertEquals(200, http.get(r.url(), r.headers()).statusCode());
      HttpResponse<String> denied = http.request("DELETE", r.url(), r.headers(), null);
      assertEquals(403, denied.statusCode());
      CaracalException error = GatewayException.fromResponse(denied).orElseThrow();
      assertTrue(error instanceof GatewayException);
      assertEquals(List.of("denied_by_rule", denied.headers().firstValue("x-caracal-request-id").orElseThrow()),
          List.of(error.reason(), error.requestId()));
      GatewayException thrown = assertThrows(GatewayException.class,
          () -> caracal.transport(TransportOptions.defaults().withThrowOnError(true)).request("DELETE", r.url(), r.headers(), null));
      assertEquals("denied_by_rule", thrown.reason());
      assertNotEquals(error.requestId(), thrown.requestId());
    });
  }

  // ---- refresh ------------------------------------------------------------------------------

  @Test
  void shortLivedTokensAreRefreshedBeforeTheyExpire() throws Exception {
    Caracal caracal = Caracal.builder().profile(main).tokenTtl(Duration.ofSeconds(3)).build();
    try (AgentSession session = caracal.spawn()) {
      String first = bearer(caracal.gatewayRequest(ECHO, "/").headers());
      JsonNode token = claims(first);
      assertTrue(token.path("exp").asLong() - token.path("iat").asLong() <= 3);
      assertEquals(first, bearer(caracal.gatewayRequest(ECHO, "/").headers()));
      Thread.sleep(3200);
      String second = bearer(caracal.gatewayRequest(ECHO, "/").headers()); // refreshed meanwhile
      assertNotEquals(first, second);
      assertTrue(claims(second).path("exp").asLong() > token.path("exp").asLong());
      Thread.sleep(3200);
      assertEquals(200, caracal.transport().get(stack.upstreamUrl + "/api/after-expiry", Map.of()).statusCode());
      assertNotEquals(second, bearer(caracal.gatewayRequest(ECHO, "/").headers()));
    }
  }

  // ---- example ------------------------------------------------------------------------------

  @Test
  void theExampleAgentRuns() throws Exception {
    Path agent = Stack.REPO.resolve("examples/agents/java/Agent.java");
    String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator + System.getProperty("java.class.path");
    ProcessBuilder pb = new ProcessBuilder(stack.java, "-cp", classpath, agent.toString());
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_"));
    pb.environment().putAll(Map.of("CARACAL_CONFIG", main.toString(), "CARACAL_RESOURCE_ID", ECHO, "CARACAL_RESOURCE_PATH", "/charge"));
    JsonNode seen = Json.parseObject(Stack.run(pb, "the example agent").trim());
    assertNotNull(seen);
    assertEquals(List.of("POST", "/api/charge"), List.of(seen.path("method").asText(), seen.path("path").asText()));
    assertEquals(1200, Json.parseObject(seen.path("body").asText()).path("amount").asInt());
  }
}
