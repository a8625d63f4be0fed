package run.caracal.control.token;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.keys.SigningKey;

/**
 * Checks Caracal JWTs: an explicit algorithm allow-list (EdDSA only: `none`, HMAC and RSA are
 * refused before any key is looked at), the expected `typ`, a `kid` naming a published key of the
 * token's own zone, the signature, `iss`, `aud`, and `exp`/`nbf`/`iat` with a small skew.
 * Revocation is not checked here (callers check the session and `jti` every time). A token that
 * verified is remembered by its sha-256 until it expires, so repeated presentations skip the
 * signature check; type, audience and expiry are still checked each time. Thread-safe.
 */
public final class TokenVerifier {
  private static final Set<JWSAlgorithm> ALLOWED = Set.of(JWSAlgorithm.EdDSA);
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private static final int MAX_CACHED = 50_000;

  private final KeyRing keys;
  private final String issuer;
  private final Clock clock;
  private final Duration skew;
  /** Tokens whose signature and claims verified, by sha-256 of the token, until they expire. */
  private final ConcurrentHashMap<String, VerifiedToken> verified = new ConcurrentHashMap<>();

  public TokenVerifier(KeyRing keys, String issuer, Clock clock, Duration skew) {
    this.keys = keys;
    this.issuer = issuer;
    this.clock = clock;
    this.skew = skew;
  }

  public String issuer() {
    return issuer;
  }

  /**
   * Verifies a token of type {@code typ} for {@code audience}.
   *
   * @throws TokenRejected with the reason code when anything does not hold
   */
  public VerifiedToken verify(String token, String typ, String audience) throws TokenRejected {
    VerifiedToken verified = verifyAnyAudience(token, typ);
    if (verified.audience() == null || !verified.audience().contains(audience)) {
      throw new TokenRejected("token_audience_invalid", "token is not for `" + audience + "`");
    }
    return verified;
  }

  /**
   * Verifies everything of a token of type {@code typ} but its audience, which the caller checks
   * once it knows what the token is for (the Gateway finds the resource in the token's zone first,
   * so an unregistered resource is told apart from a token for another one).
   *
   * @throws TokenRejected with the reason code when anything does not hold
   */
  public VerifiedToken verifyAnyAudience(String token, String typ) throws TokenRejected {
    if (token == null || token.isBlank() || token.length() > MAX_TOKEN_CHARS) {
      throw new TokenRejected("token_malformed", "token is missing or too long");
    }
    String cacheKey = digest(token);
    VerifiedToken cached = verified.get(cacheKey);
    if (cached != null) {
      Instant now = clock.instant();
      if (!now.minus(skew).isBefore(cached.expiresAt())) {
        verified.remove(cacheKey);
        throw new TokenRejected("token_expired", "token has expired");
      }
      if (!cached.typ().equals(typ)) {
        throw new TokenRejected("token_type_invalid", "token type is not `" + typ + "`");
      }
      if (keys.find(cached.kid()).isEmpty()) {
        verified.remove(cacheKey);
        throw new TokenRejected("token_unknown_key", "token is signed with an unknown or retired key");
      }
      return cached;
    }
    VerifiedToken fresh = verifyUncached(token, typ);
    if (verified.size() >= MAX_CACHED) {
      Instant now = clock.instant();
      verified.values().removeIf(v -> !now.isBefore(v.expiresAt()));
      if (verified.size() >= MAX_CACHED) {
        verified.clear();
      }
    }
    verified.put(cacheKey, fresh);
    return fresh;
  }

  /** Whether the token is an unsecured JWS (`alg: none`), which the parser refuses as malformed. */
  private static boolean unsecured(String token) {
    int dot = token.trim().indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      return Header.parse(new Base64URL(token.trim().substring(0, dot)))
          instanceof PlainHeader;
    } catch (ParseException e) {
      return false;
    }
  }

  private static String digest(String token) {
    try {
      return Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("sha-256 is not available", e);
    }
  }

  private VerifiedToken verifyUncached(String token, String typ) throws TokenRejected {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token.trim());
    } catch (ParseException e) {
      if (unsecured(token)) {
        throw new TokenRejected("token_alg_not_allowed", "token algorithm `none` is not allowed");
      }
      throw new TokenRejected("token_malformed", "token is not a signed jwt");
    }
    JWSHeader header = jwt.getHeader();
    if (!ALLOWED.contains(header.getAlgorithm())) {
      throw new TokenRejected("token_alg_not_allowed", "token algorithm `" + header.getAlgorithm() + "` is not allowed");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw new TokenRejected("token_malformed", "token has critical header parameters");
    }
    if (header.getJWK() != null || header.getJWKURL() != null || header.getX509CertChain() != null) {
      throw new TokenRejected("token_malformed", "token carries its own key; only published keys are trusted");
    }
    if (!new JOSEObjectType(typ).equals(header.getType())) {
      throw new TokenRejected("token_type_invalid", "token type is not `" + typ + "`");
    }
    String kid = header.getKeyID();
    Optional<SigningKey> key = kid == null ? Optional.empty() : keys.find(kid);
    if (key.isEmpty()) {
      throw new TokenRejected("token_unknown_key", "token is signed with an unknown or retired key");
    }
    try {
      if (!jwt.verify(new Ed25519Verifier(key.get().publicJwk()))) {
        throw new TokenRejected("token_signature_invalid", "token signature does not verify");
      }
    } catch (JOSEException e) {
      throw new TokenRejected("token_signature_invalid", "token signature does not verify");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenRejected("token_malformed", "token claims are not valid json");
    }
    Object zone = claims.getClaim("zone");
    if (!(zone instanceof String z) || !z.equals(key.get().zoneId())) {
      throw new TokenRejected("token_zone_mismatch", "token zone does not match its signing key");
    }
    if (!issuer.equals(claims.getIssuer())) {
      throw new TokenRejected("token_issuer_invalid", "token issuer is not this sts");
    }
    Instant now = clock.instant();
    if (claims.getExpirationTime() == null || !now.minus(skew).isBefore(claims.getExpirationTime().toInstant())) {
      throw new TokenRejected("token_expired", "token has expired");
    }
    if (claims.getNotBeforeTime() != null && now.plus(skew).isBefore(claims.getNotBeforeTime().toInstant())) {
      throw new TokenRejected("token_not_yet_valid", "token is not valid yet");
    }
    if (claims.getIssueTime() != null && now.plus(skew).isBefore(claims.getIssueTime().toInstant())) {
      throw new TokenRejected("token_not_yet_valid", "token was issued in the future");
    }
    if (claims.getJWTID() == null || claims.getSubject() == null) {
      throw new TokenRejected("token_malformed", "token lacks `jti` or `sub`");
    }
    return new VerifiedToken(typ, kid, claims);
  }
}
