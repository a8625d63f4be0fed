package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.server.TestStack.RESOURCE;
import static run.caracal.server.TestStack.assertRefused;

import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.control.keys.SigningKey;
import run.caracal.server.TestStack.App;
import run.caracal.server.TestStack.Zone;

/**
 * Who may call the STS and which tokens it believes: client authentication and secret rotation,
 * forged, expired, algorithm-confused, misaddressed and cross-zone tokens.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {TestStack.H2, TestStack.POSTGRESQL})
class StsCredentialsTest {
  private static final String SESSION_TYP = "caracal-session+jwt";
  private static final String ACCESS_TYP = "at+jwt";

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

  private static SigningKey currentKey(Zone zone) {
    return stack.server.control().keys().current(zone.id());
  }

  /** Session-token exchange and child-session opening both refuse the token for {@code reason}. */
  private static void assertSubjectRefused(App app, String token, String reason) {
    assertRefused(stack.exchange(app, token, RESOURCE, "billing:read"), 400, "invalid_grant", reason);
    assertRefused(stack.openSession(app, Map.of("parent_session_token", token)), 400, "invalid_grant", reason);
    assertFalse(stack.active(app, token), "introspection of a refused token");
  }

  // client authentication

  @Test
  void authenticate_wrongSecretUnknownAppOrDisabledApp_invalidClientAlike() {
    Zone zone = stack.billingZone("auth");
    App app = stack.app(zone, "agent");
    App disabled = stack.app(zone, "retired-agent");
    var off = stack.client.admin("POST", "/admin/v1/apps/" + disabled.id() + "/disable", null);
    assertEquals(200, off.status(), off.raw().body());

    List<App> impostors = List.of(
        new App(app.id(), app.secret().substring(0, app.secret().length() - 1) + "x", zone),
        new App("app_doesnotexist0000000000000", app.secret(), zone),
        disabled);
    for (App impostor : impostors) {
      for (var r : List.of(
          stack.openSession(impostor, Map.of()),
          stack.clientCredentials(impostor, RESOURCE, "billing:read"),
          stack.client.form("/oauth2/introspect", impostor.id(), impostor.secret(), Map.of("token", "x")),
          stack.client.form("/oauth2/revoke", impostor.id(), impostor.secret(), Map.of("token", "x")))) {
        assertRefused(r, 401, "invalid_client", "client_auth_failed");
        assertTrue(r.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), r.raw().headers().toString());
      }
    }
    var none = stack.client.app("POST", "/v1/sessions", null, null, "application/json", "{}");
    assertRefused(none, 401, "invalid_client", "client_auth_missing");
    var bearer = stack.client.form("/oauth2/token", null, null, Map.of("grant_type", "client_credentials"));
    assertRefused(bearer, 401, "invalid_client", "client_auth_missing");

    // enabled again, the same secret works
    assertEquals(200, stack.client.admin("POST", "/admin/v1/apps/" + disabled.id() + "/enable", null).status());
    assertEquals(201, stack.openSession(disabled, Map.of()).status());
  }

  @Test
  void disable_app_stopsItsExistingSessionsFromMinting() {
    Zone zone = stack.billingZone("auth");
    App app = stack.app(zone, "agent");
    String session = sessionToken(app);
    assertEquals(200, stack.client.admin("POST", "/admin/v1/apps/" + app.id() + "/disable", null).status());
    assertRefused(stack.exchange(app, session, RESOURCE, "billing:read"), 401, "invalid_client", "client_auth_failed");
  }

  @Test
  void rotateSecret_withGrace_oldWorksUntilGraceEndsNewWorks() throws Exception {
    Zone zone = stack.billingZone("rotate");
    App old = stack.app(zone, "agent");
    Instant beforeRotation = Instant.now();
    var rotated = stack.client.admin("POST", "/admin/v1/apps/" + old.id() + "/rotate-secret", Map.of("grace_seconds", 1));
    assertEquals(200, rotated.status(), rotated.raw().body());
    App fresh = new App(old.id(), rotated.json().get("client_secret").asText(), zone);
    assertNotEquals(old.secret(), fresh.secret());
    assertEquals(1, rotated.json().get("previous_secret_valid_seconds").asInt());

    var during = stack.openSession(old, Map.of());
    // the grace ends a second after the rotation, so later than a second after `beforeRotation`
    if (Instant.now().isBefore(beforeRotation.plusSeconds(1))) {
      assertEquals(201, during.status(), during.raw().body());
    }
    assertEquals(201, stack.openSession(fresh, Map.of()).status());

    Thread.sleep(1_500);
    assertRefused(stack.openSession(old, Map.of()), 401, "invalid_client", "client_auth_failed");
    assertEquals(201, stack.openSession(fresh, Map.of()).status());

    // a second rotation without grace retires the current secret at once
    var again = stack.client.admin("POST", "/admin/v1/apps/" + old.id() + "/rotate-secret", Map.of("grace_seconds", 0));
    assertEquals(200, again.status(), again.raw().body());
    assertRefused(stack.openSession(fresh, Map.of()), 401, "invalid_client", "client_auth_failed");
    assertEquals(201, stack.openSession(new App(old.id(), again.json().get("client_secret").asText(), zone), Map.of()).status());
  }

  @Test
  void rotateSecret_longGrace_bothSecretsWork() {
    Zone zone = stack.billingZone("rotate");
    App old = stack.app(zone, "agent");
    var rotated = stack.client.admin("POST", "/admin/v1/apps/" + old.id() + "/rotate-secret", Map.of("grace_seconds", 300));
    App fresh = new App(old.id(), rotated.json().get("client_secret").asText(), zone);
    assertEquals(201, stack.openSession(old, Map.of()).status());
    assertEquals(201, stack.openSession(fresh, Map.of()).status());
  }

  // tokens the STS must not believe

  @Test
  void exchange_tokenSignedByFreshKeyWithRealKid_invalidGrantSignatureInvalid() {
    Zone zone = stack.billingZone("forge");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    String kid = ForgedTokens.header(real).getKeyID();
    assertEquals(currentKey(zone).kid(), kid);
    OctetKeyPair forger = ForgedTokens.freshEd25519(kid);
    String forged = ForgedTokens.ed25519(forger, SESSION_TYP, kid, ForgedTokens.claims(real));
    assertSubjectRefused(app, forged, "token_signature_invalid");

    String unknownKid = ForgedTokens.ed25519(forger, SESSION_TYP, zone.id() + ".forged00000", ForgedTokens.claims(real));
    assertSubjectRefused(app, unknownKid, "token_unknown_key");

    // a forged access token does not introspect active either
    String access = stack.accessToken(app, real, "billing:read");
    String forgedAccess = ForgedTokens.ed25519(forger, ACCESS_TYP, kid, ForgedTokens.edit(access, b -> b.claim("scope", "billing:refund")));
    assertFalse(stack.active(app, forgedAccess));
    assertTrue(stack.active(app, access));
  }

  @Test
  void exchange_expiredSessionToken_invalidGrantTokenExpired() {
    Zone zone = stack.billingZone("expired");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    SigningKey key = currentKey(zone);
    Instant past = Instant.now().minusSeconds(3600);
    JWTClaimsSet claims = ForgedTokens.edit(real, b -> b.issueTime(Date.from(past)).notBeforeTime(Date.from(past))
        .expirationTime(Date.from(past.plusSeconds(600))));
    assertSubjectRefused(app, ForgedTokens.ed25519(key.jwk(), SESSION_TYP, key.kid(), claims), "token_expired");

    String access = stack.accessToken(app, real, "billing:read");
    String expiredAccess = ForgedTokens.ed25519(key.jwk(), ACCESS_TYP, key.kid(), ForgedTokens.edit(access,
        b -> b.issueTime(Date.from(past)).notBeforeTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(60)))));
    assertFalse(stack.active(app, expiredAccess));
  }

  @Test
  void exchange_algNone_invalidGrantAlgNotAllowed() {
    Zone zone = stack.billingZone("alg");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    String none = ForgedTokens.unsecured(SESSION_TYP, currentKey(zone).kid(), ForgedTokens.claims(real));
    assertSubjectRefused(app, none, "token_alg_not_allowed");
  }

  @Test
  void exchange_hs256KeyedWithPublicKey_invalidGrantAlgNotAllowed() {
    Zone zone = stack.billingZone("alg");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    SigningKey key = currentKey(zone);
    // the public key as published in JWKS, used as the HMAC secret (both the raw x and the JWK text)
    String rawX = ForgedTokens.hs256(key.publicJwk().getX().decode(), SESSION_TYP, key.kid(), ForgedTokens.claims(real));
    assertSubjectRefused(app, rawX, "token_alg_not_allowed");
    String jwkText = ForgedTokens.hs256(key.publicJwk().toJSONString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        SESSION_TYP, key.kid(), ForgedTokens.claims(real));
    assertSubjectRefused(app, jwkText, "token_alg_not_allowed");
  }

  @Test
  void exchange_rs256_invalidGrantAlgNotAllowed() {
    Zone zone = stack.billingZone("alg");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    assertSubjectRefused(app, ForgedTokens.rs256(SESSION_TYP, currentKey(zone).kid(), ForgedTokens.claims(real)), "token_alg_not_allowed");
  }

  @Test
  void exchange_sessionTokenForAnotherAudienceOrIssuer_invalidGrant() {
    Zone zone = stack.billingZone("aud");
    App app = stack.app(zone, "agent");
    String real = sessionToken(app);
    assertEquals(List.of(stack.server.stsUrl()), ForgedTokens.claims(real).getAudience());
    SigningKey key = currentKey(zone);
    String toResource = ForgedTokens.ed25519(key.jwk(), SESSION_TYP, key.kid(), ForgedTokens.edit(real, b -> b.audience(RESOURCE)));
    assertSubjectRefused(app, toResource, "token_audience_invalid");
    String otherIssuer = ForgedTokens.ed25519(key.jwk(), SESSION_TYP, key.kid(),
        ForgedTokens.edit(real, b -> b.issuer("http://sts.attacker.example")));
    assertSubjectRefused(app, otherIssuer, "token_issuer_invalid");
    // an honest re-signing of the same claims is accepted: the refusals above are about the edits
    String honest = ForgedTokens.ed25519(key.jwk(), SESSION_TYP, key.kid(), ForgedTokens.claims(real));
    assertEquals(200, stack.exchange(app, honest, RESOURCE, "billing:read").status());
  }

  @Test
  void revoke_accessTokenByItsOwnApp_inactiveWhileItsSessionAndSiblingsStayActive() {
    Zone zone = stack.billingZone("revoke-jti");
    App app = stack.app(zone, "agent");
    String session = sessionToken(app);
    String revoked = stack.accessToken(app, session, "billing:read");
    String sibling = stack.accessToken(app, session, "billing:read");
    assertTrue(stack.active(app, revoked));

    var revoke = stack.client.form("/oauth2/revoke", app.id(), app.secret(), Map.of("token", revoked));
    assertEquals(200, revoke.status(), revoke.raw().body());

    assertFalse(stack.active(app, revoked), "the revoked jti");
    assertTrue(stack.active(app, sibling), "another token of the same session");
    assertTrue(stack.active(app, session), "the session itself");
  }

  @Test
  void introspect_accessTokenWithEditedAudience_inactive() {
    Zone zone = stack.billingZone("aud");
    App app = stack.app(zone, "agent");
    String access = stack.accessToken(app, sessionToken(app), "billing:read");
    var active = stack.introspect(app, access);
    assertEquals(RESOURCE, active.json().get("aud").asText());
    // a copy for another audience carries the old signature: it does not verify
    String[] parts = access.split("\\.");
    JWTClaimsSet edited = ForgedTokens.edit(access, b -> b.audience("resource://payroll-api"));
    String moved = parts[0] + "." + com.nimbusds.jose.util.Base64URL.encode(edited.toString()) + "." + parts[2];
    assertFalse(stack.active(app, moved));
  }

  // zones

  @Test
  void crossZone_tokenOfZoneA_notUsableByAppOfZoneB() {
    Zone a = stack.billingZone("zone-a");
    Zone b = stack.billingZone("zone-b");
    App appA = stack.app(a, "agent");
    App appB = stack.app(b, "agent");
    String sessionA = sessionToken(appA);
    String accessA = stack.accessToken(appA, sessionA, "billing:read");

    assertRefused(stack.exchange(appB, sessionA, RESOURCE, "billing:read"), 400, "invalid_grant", "session_not_owned");
    assertRefused(stack.openSession(appB, Map.of("parent_session_token", sessionA)), 400, "invalid_grant", "zone_mismatch");
    assertRefused(stack.exchange(appB, accessA, TestStack.URN_ACCESS_TOKEN, RESOURCE, "billing:read", Map.of()),
        400, "invalid_grant", "token_type_invalid");
    assertFalse(stack.active(appB, accessA), "zone B sees zone A's access token as inactive");
    assertFalse(stack.active(appB, sessionA), "zone B sees zone A's session token as inactive");

    var revoke = stack.client.form("/oauth2/revoke", appB.id(), appB.secret(), Map.of("token", accessA));
    assertEquals(200, revoke.status());
    assertTrue(stack.active(appA, accessA), "zone B cannot revoke zone A's token");
    var revokeSession = stack.client.form("/oauth2/revoke", appB.id(), appB.secret(), Map.of("token", sessionA));
    assertEquals(200, revokeSession.status());
    assertEquals(200, stack.exchange(appA, sessionA, RESOURCE, "billing:read").status());
    var end = stack.client.app("DELETE", "/v1/sessions/" + ForgedTokens.claims(sessionA).getClaim("sid"), appB.id(), appB.secret(), null, null);
    assertRefused(end, 404, "invalid_request", "session_unknown");
  }

  @Test
  void crossZone_zoneClaimRewrittenUnderZoneAKey_invalidGrantZoneMismatch() {
    Zone a = stack.billingZone("zone-a");
    Zone b = stack.billingZone("zone-b");
    App appA = stack.app(a, "agent");
    App appB = stack.app(b, "agent");
    String sessionB = sessionToken(appB);
    SigningKey keyA = currentKey(a);
    // zone A's key signs a token that claims to belong to zone B (zone A compromised, or a bug)
    String claimsB = ForgedTokens.ed25519(keyA.jwk(), SESSION_TYP, keyA.kid(), ForgedTokens.claims(sessionB));
    assertSubjectRefused(appB, claimsB, "token_zone_mismatch");
    assertFalse(stack.active(appA, claimsB));
  }
}
