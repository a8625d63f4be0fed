package run.caracal.control.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.Jdbc;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.keys.TestDatabase;

class TokenVerifierTest {
  private static final String ISSUER = "http://127.0.0.1:7070";
  private static final java.util.concurrent.atomic.AtomicInteger ZONES = new java.util.concurrent.atomic.AtomicInteger();
  private static Jdbc jdbc;
  private static final String TYP = "at+jwt";
  private static final String AUD = "resource://billing-api";
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private String zone;
  private String otherZone;
  private TestDatabase.MutableClock clock;
  private KeyRing keys;
  private TokenVerifier verifier;
  private OctetKeyPair key;
  private String kid;

  @org.junit.jupiter.api.BeforeAll
  static void database() {
    jdbc = TestDatabase.fresh();
  }

  @BeforeEach
  void setUp() {
    zone = "zone_a" + ZONES.incrementAndGet();
    otherZone = "zone_b" + ZONES.get();
    TestDatabase.insertZone(jdbc, zone);
    TestDatabase.insertZone(jdbc, otherZone);
    clock = new TestDatabase.MutableClock(NOW);
    keys = new KeyRing(jdbc, SecretBox.withKey(new byte[32]), clock);
    keys.ensure(zone);
    keys.ensure(otherZone);
    verifier = new TokenVerifier(keys, ISSUER, clock, Duration.ofSeconds(30));
    key = keys.current(zone).jwk();
    kid = keys.current(zone).kid();
  }

  private JWTClaimsSet claims(UnaryOperator<JWTClaimsSet.Builder> edit) {
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
        .issuer(ISSUER).subject("app_1").audience(AUD).jwtID("jti_1")
        .issueTime(Date.from(NOW)).notBeforeTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(900)))
        .claim("client_id", "app_1").claim("zone", zone).claim("sid", "ses_1").claim("scope", "billing:read billing:charge");
    return edit.apply(b).build();
  }

  private JWTClaimsSet claims() {
    return claims(b -> b);
  }

  private String rejection(String token) {
    return rejection(token, TYP, AUD);
  }

  private String rejection(String token, String typ, String aud) {
    return assertThrows(TokenRejected.class, () -> verifier.verify(token, typ, aud)).reason();
  }

  @Test
  void verify_wellFormedToken_returnsClaims() throws Exception {
    VerifiedToken t = verifier.verify(TestJwts.ed25519(key, TYP, kid, claims()), TYP, AUD);
    assertEquals("app_1", t.subject());
    assertEquals("app_1", t.clientId());
    assertEquals("jti_1", t.jti());
    assertEquals(zone, t.zone());
    assertEquals("ses_1", t.sessionId());
    assertEquals(java.util.List.of("billing:read", "billing:charge"), t.scopes());
    assertEquals(kid, t.kid());
  }

  @Test
  void verify_signedByNextKey_accepted() throws Exception {
    var next = keys.published().stream().filter(k -> k.zoneId().equals(zone) && !k.kid().equals(kid)).findFirst().orElseThrow();
    verifier.verify(TestJwts.ed25519(next.jwk(), TYP, next.kid(), claims()), TYP, AUD);
  }

  @Test
  void verify_algNone_refusedAsAlgorithmNotAllowed() {
    assertEquals("token_alg_not_allowed", rejection(TestJwts.unsecured(TYP, kid, claims())));
  }

  @Test
  void verify_hs256KeyedWithPublicKey_refusedAsAlgorithmNotAllowed() {
    assertEquals("token_alg_not_allowed", rejection(TestJwts.hs256WithPublicKey(key.toPublicJWK(), TYP, kid, claims())));
  }

  @Test
  void verify_rs256_refusedAsAlgorithmNotAllowed() {
    assertEquals("token_alg_not_allowed", rejection(TestJwts.rs256(TYP, kid, claims())));
  }

  @Test
  void verify_es256_refusedAsAlgorithmNotAllowed() {
    assertEquals("token_alg_not_allowed", rejection(TestJwts.es256(TYP, kid, claims())));
  }

  @Test
  void verify_freshKeyWithRealKid_refusedSignatureInvalid() {
    OctetKeyPair forger = TestJwts.freshEd25519(kid);
    assertEquals("token_signature_invalid", rejection(TestJwts.ed25519(forger, TYP, kid, claims())));
  }

  @Test
  void verify_tamperedPayload_refusedSignatureInvalid() {
    String token = TestJwts.ed25519(key, TYP, kid, claims());
    String[] parts = token.split("\\.");
    String otherPayload = TestJwts.ed25519(key, TYP, kid, claims(b -> b.claim("scope", "billing:refund"))).split("\\.")[1];
    assertEquals("token_signature_invalid", rejection(parts[0] + "." + otherPayload + "." + parts[2]));
  }

  @Test
  void verify_unknownOrMissingKid_refusedUnknownKey() {
    OctetKeyPair forger = TestJwts.freshEd25519(zone + ".forged");
    assertEquals("token_unknown_key", rejection(TestJwts.ed25519(forger, TYP, zone + ".forged", claims())));
    assertEquals("token_unknown_key", rejection(TestJwts.ed25519(key, TYP, null, claims())));
  }

  @Test
  void verify_embeddedJwk_refusedEvenWhenItIsTheRealKey() {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(TYP)).keyID(kid).jwk(key.toPublicJWK()).build();
    assertEquals("token_malformed", rejection(TestJwts.ed25519(key, header, claims())));
    JWSHeader jku = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(TYP)).keyID(kid)
        .jwkURL(URI.create("https://attacker.example/jwks.json")).build();
    assertEquals("token_malformed", rejection(TestJwts.ed25519(key, jku, claims())));
  }

  @Test
  void verify_criticalHeader_refused() {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(TYP)).keyID(kid)
        .criticalParams(Set.of("exp")).customParam("exp", 1).build();
    assertEquals("token_malformed", rejection(TestJwts.ed25519(key, header, claims())));
  }

  @Test
  void verify_wrongOrMissingTyp_refusedTypeInvalid() {
    assertEquals("token_type_invalid", rejection(TestJwts.ed25519(key, "caracal-session+jwt", kid, claims())));
    assertEquals("token_type_invalid", rejection(TestJwts.ed25519(key, "JWT", kid, claims())));
    assertEquals("token_type_invalid", rejection(TestJwts.ed25519(key, null, kid, claims())));
  }

  @Test
  void verify_otherZoneKey_refusedZoneMismatch() {
    var other = keys.current(otherZone);
    assertEquals("token_zone_mismatch", rejection(TestJwts.ed25519(other.jwk(), TYP, other.kid(), claims())));
    assertEquals("token_zone_mismatch", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.claim("zone", null)))));
  }

  @Test
  void verify_wrongIssuer_refusedIssuerInvalid() {
    assertEquals("token_issuer_invalid", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.issuer("http://evil.example")))));
    assertEquals("token_issuer_invalid", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.issuer(null)))));
  }

  @Test
  void verify_wrongAudience_refusedAudienceInvalid() {
    String token = TestJwts.ed25519(key, TYP, kid, claims());
    assertEquals("token_audience_invalid", rejection(token, TYP, "resource://other-api"));
    assertEquals("token_audience_invalid", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.audience((String) null)))));
  }

  @Test
  void verify_expiredBeyondSkew_refusedExpired() {
    String token = TestJwts.ed25519(key, TYP, kid, claims(b -> b.issueTime(Date.from(NOW.minusSeconds(1000)))
        .notBeforeTime(Date.from(NOW.minusSeconds(1000))).expirationTime(Date.from(NOW.minusSeconds(31)))));
    assertEquals("token_expired", rejection(token));
    assertEquals("token_expired", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.expirationTime(null)))));
  }

  @Test
  void verify_expiredWithinSkew_accepted() throws Exception {
    verifier.verify(TestJwts.ed25519(key, TYP, kid, claims(b -> b.expirationTime(Date.from(NOW.minusSeconds(29))))), TYP, AUD);
  }

  @Test
  void verify_validTokenLater_refusedExpired() {
    String token = TestJwts.ed25519(key, TYP, kid, claims());
    clock.advance(Duration.ofSeconds(900 + 30));
    assertEquals("token_expired", rejection(token));
  }

  @Test
  void verify_notBeforeOrIssuedInFuture_refusedNotYetValid() {
    assertEquals("token_not_yet_valid", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.notBeforeTime(Date.from(NOW.plusSeconds(60)))))));
    assertEquals("token_not_yet_valid", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.issueTime(Date.from(NOW.plusSeconds(60)))))));
  }

  @Test
  void verify_missingJtiOrSub_refusedMalformed() {
    assertEquals("token_malformed", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.jwtID(null)))));
    assertEquals("token_malformed", rejection(TestJwts.ed25519(key, TYP, kid, claims(b -> b.subject(null)))));
  }

  @Test
  void verify_garbageEmptyOrHuge_refusedMalformed() {
    assertEquals("token_malformed", rejection("not-a-jwt"));
    assertEquals("token_malformed", rejection("a.b.c"));
    assertEquals("token_malformed", rejection(""));
    assertEquals("token_malformed", rejection(null));
    assertEquals("token_malformed", rejection("x".repeat(16 * 1024 + 1)));
  }

  @Test
  void verify_retiredKey_acceptedUntilRetireTimeThenUnknown() throws Exception {
    keys.rotate(zone, Duration.ofMinutes(20));
    clock.advance(Duration.ofMinutes(19));
    String token = TestJwts.ed25519(key, TYP, kid, claims(b -> b.issueTime(Date.from(clock.instant()))
        .notBeforeTime(Date.from(clock.instant())).expirationTime(Date.from(clock.instant().plusSeconds(600)))));
    verifier.verify(token, TYP, AUD);
    clock.advance(Duration.ofMinutes(1));
    assertEquals("token_unknown_key", rejection(token));
  }
}
