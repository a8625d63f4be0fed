package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.server.TestStack.RESOURCE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.server.TestStack.App;
import run.caracal.server.TestStack.Zone;

/**
 * Issued tokens checked the way a resource server would, with jose4j (not Nimbus, which signs):
 * keys from `/.well-known/jwks.json` over HTTP, EdDSA only, `typ`, `iss`, `aud`, `exp` and the
 * RFC 9068 claims.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {TestStack.H2, TestStack.POSTGRESQL})
class IndependentJoseVerificationTest {
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

  private static JsonWebKeySet jwks() {
    var r = stack.client.get("/.well-known/jwks.json");
    assertEquals(200, r.status(), r.raw().body());
    try {
      return new JsonWebKeySet(r.raw().body());
    } catch (org.jose4j.lang.JoseException e) {
      throw new AssertionError("jwks does not parse: " + r.raw().body(), e);
    }
  }

  private static JwtConsumer consumer(String typ, String audience) {
    return new JwtConsumerBuilder()
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.EDDSA)
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks().getJsonWebKeys()))
        .setExpectedType(true, typ)
        .setExpectedIssuer(stack.server.stsUrl())
        .setExpectedAudience(audience)
        .setRequireExpirationTime()
        .setRequireIssuedAt()
        .setRequireJwtId()
        .setRequireSubject()
        .setMaxFutureValidityInMinutes(60)
        .setAllowedClockSkewInSeconds(5)
        .build();
  }

  private static Set<String> kidsOf(Zone zone) {
    return jwks().getJsonWebKeys().stream().map(JsonWebKey::getKeyId).filter(k -> k.startsWith(zone.id() + "."))
        .collect(Collectors.toSet());
  }

  @Test
  void jwks_everyKey_isPublicEd25519ForSigning() {
    Zone zone = stack.billingZone("jose");
    List<JsonWebKey> keys = jwks().getJsonWebKeys();
    assertFalse(keys.isEmpty());
    for (JsonWebKey key : keys) {
      assertTrue(key instanceof OctetKeyPairJsonWebKey, key.toJson());
      assertEquals("Ed25519", ((OctetKeyPairJsonWebKey) key).getSubtype(), key.toJson());
      assertNull(key.toParams(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE).get("d"), "private half published: " + key.getKeyId());
      assertNotNull(key.getKeyId());
      assertEquals("sig", key.getUse());
    }
    assertEquals(2, kidsOf(zone).size(), "current and next key of the zone");
  }

  @Test
  void accessToken_verifiedByJose4j_carriesRfc9068Claims() throws Exception {
    Zone zone = stack.billingZone("jose");
    App app = stack.app(zone, "agent");
    var session = stack.session(app, Map.of());
    String sessionId = session.json().get("session_id").asText();
    var r = stack.exchange(app, session.json().get("session_token").asText(), RESOURCE, "billing:read billing:charge");
    assertEquals(200, r.status(), r.raw().body());
    String access = r.json().get("access_token").asText();

    JwtContext context = consumer("at+jwt", RESOURCE).process(access);
    JwtClaims claims = context.getJwtClaims();
    assertEquals("EdDSA", context.getJoseObjects().get(0).getAlgorithmHeaderValue());
    assertEquals("at+jwt", context.getJoseObjects().get(0).getHeader("typ"));
    assertEquals(stack.server.control().keys().current(zone.id()).kid(), context.getJoseObjects().get(0).getKeyIdHeaderValue());
    assertEquals(stack.server.stsUrl(), claims.getIssuer());
    assertEquals(List.of(RESOURCE), claims.getAudience());
    assertEquals(app.id(), claims.getSubject());
    assertEquals(app.id(), claims.getStringClaimValue("client_id"));
    assertEquals("billing:read billing:charge", claims.getStringClaimValue("scope"));
    assertEquals(sessionId, claims.getStringClaimValue("sid"));
    assertEquals(zone.id(), claims.getStringClaimValue("zone"));
    assertFalse(claims.getJwtId().isBlank());
    long lifetime = claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
    assertTrue(lifetime > 0 && lifetime <= 15 * 60, "lifetime " + lifetime);
    assertEquals(r.json().get("expires_in").asLong(), lifetime, 1);
    assertTrue(claims.getStringClaimValue("policy_set").startsWith("production@"), claims.toJson());
  }

  @Test
  void sessionToken_verifiedByJose4j_forTheStsItself() throws Exception {
    Zone zone = stack.billingZone("jose");
    App app = stack.app(zone, "agent");
    var session = stack.session(app, Map.of("scopes", List.of("billing:read")));
    JwtClaims claims = consumer("caracal-session+jwt", stack.server.stsUrl()).processToClaims(session.json().get("session_token").asText());
    assertEquals("session", claims.getStringClaimValue("use"));
    assertEquals(session.json().get("session_id").asText(), claims.getStringClaimValue("sid"));
    assertEquals(session.json().get("session_id").asText(), claims.getStringClaimValue("root_sid"));
    assertEquals(0L, ((Number) claims.getClaimValue("depth")).longValue());
    // a session token is not an access token: a resource server expecting at+jwt refuses it
    assertThrows(InvalidJwtException.class,
        () -> consumer("at+jwt", stack.server.stsUrl()).processToClaims(session.json().get("session_token").asText()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void delegatedAccessToken_verifiedByJose4j_showsActChain() throws Exception {
    Zone zone = stack.billingZone("jose");
    App orchestrator = stack.app(zone, "orchestrator");
    App worker = stack.app(zone, "worker");
    var root = stack.session(orchestrator, Map.of());
    var child = stack.session(worker, Map.of("parent_session_token", root.json().get("session_token").asText()));
    String access = stack.accessToken(worker, child.json().get("session_token").asText(), "billing:read");
    JwtClaims claims = consumer("at+jwt", RESOURCE).processToClaims(access);
    Map<String, Object> act = (Map<String, Object>) claims.getClaimValue("act");
    assertEquals(orchestrator.id(), act.get("sub"));
    assertEquals(root.json().get("session_id").asText(), act.get("sid"));
    assertEquals(1L, ((Number) claims.getClaimValue("depth")).longValue());
  }

  @Test
  void tamperedOrMisaddressedToken_refusedByJose4j() {
    Zone zone = stack.billingZone("jose");
    App app = stack.app(zone, "agent");
    String access = stack.accessToken(app, stack.session(app, Map.of()).json().get("session_token").asText(), "billing:read");
    String[] parts = access.split("\\.");
    String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
        .replace("billing:read", "billing:refund");
    String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
    assertThrows(InvalidJwtException.class, () -> consumer("at+jwt", RESOURCE).processToClaims(tampered));
    assertThrows(InvalidJwtException.class, () -> consumer("at+jwt", "resource://payroll-api").processToClaims(access));
    var forger = ForgedTokens.freshEd25519(ForgedTokens.header(access).getKeyID());
    String forged = ForgedTokens.ed25519(forger, "at+jwt", forger.getKeyID(), ForgedTokens.claims(access));
    assertThrows(InvalidJwtException.class, () -> consumer("at+jwt", RESOURCE).processToClaims(forged));
  }

  @Test
  void keyRotation_nextKeyPublishedAheadAndOldKeyKeptForItsTokens() throws Exception {
    Zone zone = stack.billingZone("jose");
    App app = stack.app(zone, "agent");
    String sessionToken = stack.session(app, Map.of()).json().get("session_token").asText();
    String before = stack.accessToken(app, sessionToken, "billing:read");
    String oldKid = ForgedTokens.header(before).getKeyID();
    Set<String> publishedBefore = kidsOf(zone);
    List<String> next = new ArrayList<>(publishedBefore);
    next.remove(oldKid);
    assertEquals(1, next.size(), publishedBefore.toString());

    var rotate = stack.client.admin("POST", "/admin/v1/zones/" + zone.name() + "/keys/rotate", null);
    assertEquals(200, rotate.status(), rotate.raw().body());
    assertEquals(next.get(0), rotate.json().get("current_kid").asText(), "the published next key now signs");

    String after = stack.accessToken(app, sessionToken, "billing:read");
    assertEquals(next.get(0), ForgedTokens.header(after).getKeyID());
    assertNotEquals(oldKid, ForgedTokens.header(after).getKeyID());
    Set<String> publishedAfter = kidsOf(zone);
    assertEquals(3, publishedAfter.size(), "retired, current and a new next: " + publishedAfter);
    assertTrue(publishedAfter.containsAll(publishedBefore));

    // a verifier with the fresh JWKS accepts both tokens; one that cached the old JWKS accepts the new one too
    consumer("at+jwt", RESOURCE).processToClaims(before);
    consumer("at+jwt", RESOURCE).processToClaims(after);
    JwtConsumer cachedJwks = new JwtConsumerBuilder()
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks().getJsonWebKeys().stream()
            .filter(k -> publishedBefore.contains(k.getKeyId()) || !k.getKeyId().startsWith(zone.id() + ".")).toList()))
        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.EDDSA)
        .setExpectedIssuer(stack.server.stsUrl()).setExpectedAudience(RESOURCE).build();
    cachedJwks.processToClaims(after);
  }
}
