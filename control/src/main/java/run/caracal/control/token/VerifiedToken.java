package run.caracal.control.token;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** A token whose signature, type, issuer, audience and times were checked. Immutable. */
public record VerifiedToken(String typ, String kid, JWTClaimsSet claims) {
  private static final Pattern SPACES = Pattern.compile("\\s+");

  public String subject() {
    return claims.getSubject();
  }

  public String jti() {
    return claims.getJWTID();
  }

  public String zone() {
    return stringClaim("zone").orElse("");
  }

  public String sessionId() {
    return stringClaim("sid").orElse("");
  }

  public String clientId() {
    return stringClaim("client_id").orElse(subject());
  }

  public Instant expiresAt() {
    return claims.getExpirationTime().toInstant();
  }

  public Instant issuedAt() {
    return claims.getIssueTime() == null ? Instant.EPOCH : claims.getIssueTime().toInstant();
  }

  public List<String> audience() {
    return claims.getAudience();
  }

  /** Space-separated {@code scope} as a list. */
  public List<String> scopes() {
    return stringClaim("scope").filter(s -> !s.isBlank()).map(s -> Arrays.asList(SPACES.split(s.trim()))).orElse(List.of());
  }

  public Optional<String> stringClaim(String name) {
    Object v = claims.getClaim(name);
    return v instanceof String s ? Optional.of(s) : Optional.empty();
  }
}
