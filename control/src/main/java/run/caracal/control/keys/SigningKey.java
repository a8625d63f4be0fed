package run.caracal.control.keys;

import com.nimbusds.jose.jwk.OctetKeyPair;
import java.time.Instant;
import java.util.Optional;

/**
 * A zone's Ed25519 signing key. {@code privateKey} is present only for keys decrypted in this
 * process; the public half is what JWKS publishes.
 */
public record SigningKey(String kid, String zoneId, KeyStatus status, OctetKeyPair jwk, Instant createdAt, Optional<Instant> retireAfter) {
  public static final String ALG = "EdDSA";

  public OctetKeyPair publicJwk() {
    return jwk.toPublicJWK();
  }
}
