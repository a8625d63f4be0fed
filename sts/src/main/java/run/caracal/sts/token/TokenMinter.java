package run.caracal.sts.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.keys.SigningKey;

/** Signs session and access tokens with the zone's current Ed25519 key. Thread-safe. */
public final class TokenMinter {
  /** Signers kept per key id: building one parses the key and was a tenth of an exchange's time. */
  private static final int MAX_SIGNERS = 10_000;
  private final KeyRing keys;
  private final String issuer;
  private final Map<String, JWSSigner> signers = new ConcurrentHashMap<>();

  public TokenMinter(KeyRing keys, String issuer) {
    this.keys = keys;
    this.issuer = issuer;
  }

  public String issuer() {
    return issuer;
  }

  /** Claims every token shares; callers add the rest. */
  public JWTClaimsSet.Builder base(String zoneId, String subject, String audience, String jti, Instant issuedAt, Instant expiresAt) {
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject(subject)
        .audience(audience)
        .jwtID(jti)
        .issueTime(Date.from(issuedAt))
        .notBeforeTime(Date.from(issuedAt))
        .expirationTime(Date.from(expiresAt))
        .claim("client_id", subject)
        .claim("zone", zoneId);
  }

  public String sign(String zoneId, String typ, JWTClaimsSet claims) {
    SigningKey key = keys.current(zoneId);
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(typ)).keyID(key.kid()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token for zone `" + zoneId + "`", e);
    }
    return jwt.serialize();
  }

  /** The key's signer (Nimbus signers are thread-safe), built once per key id. */
  private JWSSigner signer(SigningKey key) throws JOSEException {
    JWSSigner signer = signers.get(key.kid());
    if (signer == null) {
      signer = new Ed25519Signer(key.jwk());
      if (signers.size() >= MAX_SIGNERS) {
        signers.clear(); // rotated keys of many zones: start over rather than grow
      }
      signers.put(key.kid(), signer);
    }
    return signer;
  }

  /** The RFC 8693 `act` claim for a delegation chain, nearest delegator outermost. */
  public static Map<String, Object> act(List<Map<String, Object>> delegators) {
    Map<String, Object> act = null;
    for (int i = delegators.size() - 1; i >= 0; i--) {
      Map<String, Object> hop = new LinkedHashMap<>(delegators.get(i));
      if (act != null) {
        hop.put("act", act);
      }
      act = hop;
    }
    return act;
  }
}
