package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.server.TestStack.RESOURCE;
import static run.caracal.server.TestStack.assertRefused;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.server.TestStack.App;
import run.caracal.server.TestStack.Zone;

/**
 * Delegation over real HTTP: children only narrow, never outlive their parent, stop at the depth
 * limit, always carry their delegation markers, and die with their ancestors.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {TestStack.H2, TestStack.POSTGRESQL})
class StsDelegationTest {
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

  private record Tree(Zone zone, App orchestrator, App worker) {}

  private Tree tree() {
    Zone zone = stack.billingZone("deleg");
    return new Tree(zone, stack.app(zone, "orchestrator"), stack.app(zone, "worker"));
  }

  private static String token(TestClient.Response session) {
    return session.json().get("session_token").asText();
  }

  private static String id(TestClient.Response session) {
    return session.json().get("session_id").asText();
  }

  private static TestClient.Response child(App app, String parentToken, Map<String, Object> extra) {
    Map<String, Object> body = new java.util.LinkedHashMap<>(extra);
    body.put("parent_session_token", parentToken);
    return stack.openSession(app, body);
  }

  @Test
  void openChild_scopeParentLacks_invalidScopeEscalation() {
    Tree t = tree();
    var parent = stack.session(t.orchestrator(), Map.of("scopes", List.of("billing:read")));
    var child = child(t.worker(), token(parent), Map.of("scopes", List.of("billing:read", "billing:charge")));
    assertRefused(child, 400, "invalid_scope", "scope_escalation");
  }

  @Test
  void openChild_resourceParentLacks_invalidTargetEscalation() {
    Tree t = tree();
    var parent = stack.session(t.orchestrator(), Map.of("resources", List.of(RESOURCE)));
    var child = child(t.worker(), token(parent), Map.of("resources", List.of("resource://payroll-api")));
    assertRefused(child, 400, "invalid_target", "resource_escalation");
  }

  @Test
  void openChild_noScopesAsked_inheritsParentScopes() {
    Tree t = tree();
    var parent = stack.session(t.orchestrator(), Map.of("scopes", List.of("billing:read")));
    var child = child(t.worker(), token(parent), Map.of());
    assertEquals(201, child.status(), child.raw().body());
    assertEquals(List.of("billing:read"), List.of(child.json().get("scopes").get(0).asText()));
    assertEquals(1, child.json().get("scopes").size());
    assertRefused(stack.exchange(t.worker(), token(child), RESOURCE, "billing:charge"), 400, "invalid_scope", "scope_outside_session");
  }

  @Test
  void exchange_scopeOutsideSession_invalidScope() {
    Tree t = tree();
    var session = stack.session(t.orchestrator(), Map.of("scopes", List.of("billing:read")));
    assertRefused(stack.exchange(t.orchestrator(), token(session), RESOURCE, "billing:read billing:charge"),
        400, "invalid_scope", "scope_outside_session");
    assertEquals(200, stack.exchange(t.orchestrator(), token(session), RESOURCE, "billing:read").status());
  }

  @Test
  void exchange_resourceOutsideSession_invalidTarget() {
    Tree t = tree();
    var session = stack.session(t.orchestrator(), Map.of("resources", List.of("resource://payroll-api")));
    assertRefused(stack.exchange(t.orchestrator(), token(session), RESOURCE, "billing:read"),
        400, "invalid_target", "resource_outside_session");
  }

  @Test
  void openChild_longerTtlAsked_expiresNoLaterThanParent() {
    Tree t = tree();
    var parent = stack.session(t.orchestrator(), Map.of("ttl_seconds", 120));
    Instant parentExpires = Instant.parse(parent.json().get("expires_at").asText());
    var child = child(t.worker(), token(parent), Map.of("ttl_seconds", 3600));
    assertEquals(201, child.status(), child.raw().body());
    Instant childExpires = Instant.parse(child.json().get("expires_at").asText());
    assertFalse(childExpires.isAfter(parentExpires), childExpires + " > " + parentExpires);
    var defaulted = child(t.worker(), token(parent), Map.of());
    assertFalse(Instant.parse(defaulted.json().get("expires_at").asText()).isAfter(parentExpires));
    var grandchild = child(t.orchestrator(), token(child), Map.of("ttl_seconds", 3600));
    assertFalse(Instant.parse(grandchild.json().get("expires_at").asText()).isAfter(childExpires));

    // the child's session token and its access tokens end no later than the parent either
    assertFalse(ForgedTokens.claims(token(child)).getExpirationTime().toInstant().isAfter(parentExpires));
    String access = stack.accessToken(t.worker(), token(child), "billing:read");
    assertFalse(ForgedTokens.claims(access).getExpirationTime().toInstant().isAfter(parentExpires));
  }

  @Test
  void openChild_depthFour_accessDeniedDepthExceeded() {
    Tree t = tree();
    var session = stack.session(t.orchestrator(), Map.of());
    assertEquals(0, session.json().get("depth").asInt());
    for (int depth = 1; depth <= 3; depth++) {
      session = child(depth % 2 == 1 ? t.worker() : t.orchestrator(), token(session), Map.of());
      assertEquals(201, session.status(), session.raw().body());
      assertEquals(depth, session.json().get("depth").asInt());
      assertEquals(depth, ((Number) ForgedTokens.claimMap(token(session)).get("depth")).intValue());
    }
    assertRefused(child(t.worker(), token(session), Map.of()), 403, "access_denied", "delegation_depth_exceeded");
  }

  @Test
  @SuppressWarnings("unchecked")
  void exchange_delegatedSession_accessTokenAlwaysCarriesActAndDepth() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    var child = child(t.worker(), token(root), Map.of("scopes", List.of("billing:read")));
    for (String type : List.of(TestStack.URN_JWT, TestStack.URN_ACCESS_TOKEN)) {
      var r = stack.exchange(t.worker(), token(child), type, RESOURCE, "billing:read", Map.of());
      assertEquals(200, r.status(), r.raw().body());
      Map<String, Object> claims = ForgedTokens.claimMap(r.json().get("access_token").asText());
      assertEquals(t.worker().id(), claims.get("sub"));
      assertEquals(id(child), claims.get("sid"));
      assertEquals(id(root), claims.get("root_sid"));
      assertEquals(1, ((Number) claims.get("depth")).intValue(), claims.toString());
      Map<String, Object> act = (Map<String, Object>) claims.get("act");
      assertEquals(t.orchestrator().id(), act.get("sub"), claims.toString());
      assertEquals(id(root), act.get("sid"));
      assertNull(act.get("act"));
    }

    // one more hop: the chain nests, nearest delegator outermost
    var grandchild = child(t.orchestrator(), token(child), Map.of());
    Map<String, Object> claims = ForgedTokens.claimMap(stack.accessToken(t.orchestrator(), token(grandchild), "billing:read"));
    assertEquals(2, ((Number) claims.get("depth")).intValue());
    Map<String, Object> act = (Map<String, Object>) claims.get("act");
    assertEquals(t.worker().id(), act.get("sub"));
    assertEquals(id(child), act.get("sid"));
    Map<String, Object> inner = (Map<String, Object>) act.get("act");
    assertEquals(t.orchestrator().id(), inner.get("sub"));
    assertEquals(id(root), inner.get("sid"));

    // a root session's token says depth 0 and names no actor
    Map<String, Object> rootClaims = ForgedTokens.claimMap(stack.accessToken(t.orchestrator(), token(root), "billing:read"));
    assertEquals(0, ((Number) rootClaims.get("depth")).intValue());
    assertNull(rootClaims.get("act"));
  }

  @Test
  void exchange_accessTokenAsSubject_invalidGrantTokenTypeInvalid() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    var child = child(t.worker(), token(root), Map.of());
    String delegatedAccess = stack.accessToken(t.worker(), token(child), "billing:read");
    for (String type : List.of(TestStack.URN_ACCESS_TOKEN, TestStack.URN_JWT)) {
      assertRefused(stack.exchange(t.worker(), delegatedAccess, type, RESOURCE, "billing:read", Map.of()),
          400, "invalid_grant", "token_type_invalid");
    }
    // nor can an access token stand in for a parent session token
    assertRefused(child(t.worker(), delegatedAccess, Map.of()), 400, "invalid_grant", "token_type_invalid");
  }

  @Test
  void exchange_delegatorsSessionTokenByDelegate_invalidGrantSessionNotOwned() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    child(t.worker(), token(root), Map.of());
    // the worker holding the root token cannot mint itself an undelegated token from it
    assertRefused(stack.exchange(t.worker(), token(root), RESOURCE, "billing:read"), 400, "invalid_grant", "session_not_owned");
  }

  @Test
  void exchange_actorTokenOutsideChain_invalidGrant() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    var child = child(t.worker(), token(root), Map.of());
    var stranger = stack.session(t.orchestrator(), Map.of());
    var refused = stack.exchange(t.worker(), token(child), TestStack.URN_JWT, RESOURCE, "billing:read",
        Map.of("actor_token", token(stranger), "actor_token_type", TestStack.URN_JWT));
    assertRefused(refused, 400, "invalid_grant", "actor_not_in_chain");
    var itself = stack.exchange(t.worker(), token(child), TestStack.URN_JWT, RESOURCE, "billing:read",
        Map.of("actor_token", token(child), "actor_token_type", TestStack.URN_JWT));
    assertRefused(itself, 400, "invalid_grant", "actor_not_in_chain");
    var inChain = stack.exchange(t.worker(), token(child), TestStack.URN_JWT, RESOURCE, "billing:read",
        Map.of("actor_token", token(root), "actor_token_type", TestStack.URN_JWT));
    assertEquals(200, inChain.status(), inChain.raw().body());
    assertTrue(ForgedTokens.claimMap(inChain.json().get("access_token").asText()).containsKey("act"));
  }

  @Test
  void terminate_session_tokensInactiveNoNewTokensAndDescendantsEnded() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    var child = child(t.worker(), token(root), Map.of());
    var grandchild = child(t.worker(), token(child), Map.of());
    String rootAccess = stack.accessToken(t.orchestrator(), token(root), "billing:read");
    String childAccess = stack.accessToken(t.worker(), token(child), "billing:read");
    String grandchildAccess = stack.accessToken(t.worker(), token(grandchild), "billing:read");
    assertTrue(stack.active(t.worker(), childAccess));
    assertTrue(stack.active(t.worker(), grandchildAccess));

    // the root's owner may end a delegate's session; the delegate may not end its delegator's
    assertRefused(stack.client.app("DELETE", "/v1/sessions/" + id(root), t.worker().id(), t.worker().secret(), null, null),
        404, "invalid_request", "session_unknown");
    var end = stack.client.app("DELETE", "/v1/sessions/" + id(child), t.orchestrator().id(), t.orchestrator().secret(), null, null);
    assertEquals(200, end.status(), end.raw().body());
    List<String> ended = new java.util.ArrayList<>();
    end.json().get("terminated").forEach(n -> ended.add(n.asText()));
    assertEquals(java.util.Set.of(id(child), id(grandchild)), java.util.Set.copyOf(ended));

    assertFalse(stack.active(t.worker(), childAccess), "terminated session's token");
    assertFalse(stack.active(t.worker(), grandchildAccess), "descendant's token");
    assertFalse(stack.active(t.worker(), token(child)), "terminated session token");
    assertTrue(stack.active(t.orchestrator(), rootAccess), "the ancestor lives on");

    assertRefused(stack.exchange(t.worker(), token(child), RESOURCE, "billing:read"), 400, "invalid_grant", "session_revoked");
    assertRefused(stack.exchange(t.worker(), token(grandchild), RESOURCE, "billing:read"), 400, "invalid_grant", "session_revoked");
    assertRefused(child(t.worker(), token(child), Map.of()), 400, "invalid_grant", "session_revoked");

    var get = stack.client.app("GET", "/v1/sessions/" + id(grandchild), t.worker().id(), t.worker().secret(), null, null);
    assertEquals(200, get.status(), get.raw().body());
    assertFalse(get.json().get("terminated_at").isNull());

    var endRoot = stack.client.app("DELETE", "/v1/sessions/" + id(root), t.orchestrator().id(), t.orchestrator().secret(), null, null);
    assertEquals(200, endRoot.status(), endRoot.raw().body());
    assertFalse(stack.active(t.orchestrator(), rootAccess));
    assertRefused(stack.exchange(t.orchestrator(), token(root), RESOURCE, "billing:read"), 400, "invalid_grant", "session_revoked");
  }

  @Test
  void revoke_sessionToken_endsSessionAndDescendants() {
    Tree t = tree();
    var root = stack.session(t.orchestrator(), Map.of());
    var child = child(t.worker(), token(root), Map.of());
    String childAccess = stack.accessToken(t.worker(), token(child), "billing:read");
    var revoke = stack.client.form("/oauth2/revoke", t.orchestrator().id(), t.orchestrator().secret(), Map.of("token", token(root)));
    assertEquals(200, revoke.status(), revoke.raw().body());
    assertFalse(stack.active(t.worker(), childAccess));
    assertRefused(stack.exchange(t.worker(), token(child), RESOURCE, "billing:read"), 400, "invalid_grant", "session_revoked");
  }

  @Test
  void revoke_accessToken_inactiveWhileSessionLivesOn() {
    Tree t = tree();
    var session = stack.session(t.orchestrator(), Map.of());
    String first = stack.accessToken(t.orchestrator(), token(session), "billing:read");
    var revoke = stack.client.form("/oauth2/revoke", t.orchestrator().id(), t.orchestrator().secret(), Map.of("token", first));
    assertEquals(200, revoke.status(), revoke.raw().body());
    assertFalse(stack.active(t.orchestrator(), first));
    String second = stack.accessToken(t.orchestrator(), token(session), "billing:read");
    assertTrue(stack.active(t.orchestrator(), second));
    // another app of the zone cannot revoke it (RFC 7009: ignored, still 200)
    var foreign = stack.client.form("/oauth2/revoke", t.worker().id(), t.worker().secret(), Map.of("token", second));
    assertEquals(200, foreign.status());
    assertTrue(stack.active(t.orchestrator(), second));
  }

  @Test
  void clientCredentials_tokenBoundToOneShotSession_terminationKillsIt() {
    Tree t = tree();
    var r = stack.clientCredentials(t.worker(), RESOURCE, "billing:read");
    assertEquals(200, r.status(), r.raw().body());
    String access = r.json().get("access_token").asText();
    String sessionId = r.json().get("session_id").asText();
    Map<String, Object> claims = ForgedTokens.claimMap(access);
    assertEquals(sessionId, claims.get("sid"));
    assertEquals(t.worker().id(), claims.get("client_id"));
    assertNull(claims.get("act"));

    var introspect = stack.introspect(t.worker(), access);
    assertTrue(introspect.json().get("active").asBoolean());
    assertEquals(sessionId, introspect.json().get("sid").asText());
    var admin = stack.client.admin("GET", "/admin/v1/sessions/" + sessionId, null);
    assertEquals(200, admin.status(), admin.raw().body());
    assertTrue(admin.json().get("one_shot").asBoolean());

    var end = stack.client.app("DELETE", "/v1/sessions/" + sessionId, t.worker().id(), t.worker().secret(), null, null);
    assertEquals(200, end.status(), end.raw().body());
    assertFalse(stack.active(t.worker(), access));

    // each grant gets a session of its own
    var again = stack.clientCredentials(t.worker(), RESOURCE, "billing:read");
    assertEquals(200, again.status(), again.raw().body());
    assertFalse(sessionId.equals(again.json().get("session_id").asText()));
  }

  @Test
  void clientCredentials_deniedScope_accessDeniedByRule() {
    Tree t = tree();
    assertRefused(stack.clientCredentials(t.worker(), RESOURCE, "billing:refund"), 403, "access_denied", "denied_by_rule");
    assertRefused(stack.clientCredentials(t.worker(), RESOURCE, "billing:admin"), 403, "access_denied", "no_matching_rule");
    assertRefused(stack.clientCredentials(t.worker(), "resource://payroll-api", "billing:read"), 400, "invalid_target", "unknown_resource");
  }
}
