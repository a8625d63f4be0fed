package run.caracal.sts.token;

import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlPlane;
import run.caracal.control.app.Application;
import run.caracal.control.pipeline.Liveness;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.token.TokenRejected;
import run.caracal.control.token.TokenVerifier;
import run.caracal.control.token.VerifiedToken;
import run.caracal.sts.RequestContext;
import run.caracal.sts.session.SessionService;

/**
 * RFC 7662 introspection and RFC 7009 revocation for tokens of the caller's zone. A token is
 * active only while it verifies, its `jti` is not revoked, and its session (and so every
 * ancestor) is neither ended nor expired. Thread-safe.
 */
public final class Introspection {
  private final ControlPlane control;
  private final TokenVerifier verifier;
  private final SessionService sessions;
  private final Clock clock;

  public Introspection(ControlPlane control, TokenVerifier verifier, SessionService sessions, Clock clock) {
    this.control = control;
    this.verifier = verifier;
    this.sessions = sessions;
    this.clock = clock;
  }

  /** The introspection response body. */
  public Map<String, Object> introspect(Application caller, String token) {
    Optional<VerifiedToken> verified = verify(token);
    if (verified.isEmpty() || !verified.get().zone().equals(caller.zoneId())) {
      return Map.of("active", false);
    }
    VerifiedToken t = verified.get();
    boolean live = Liveness.check(control.sessions().findChecked(t.sessionId(), t.jti()), clock.instant()).isEmpty();
    if (!live) {
      return Map.of("active", false);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("active", true);
    out.put("token_type", t.typ().equals(TokenTypes.ACCESS_TOKEN_TYP) ? "Bearer" : "session");
    out.put("scope", String.join(" ", t.scopes()));
    out.put("client_id", t.clientId());
    out.put("sub", t.subject());
    out.put("aud", t.audience().size() == 1 ? t.audience().get(0) : t.audience());
    out.put("iss", verifier.issuer());
    out.put("exp", t.expiresAt().getEpochSecond());
    out.put("iat", t.issuedAt().getEpochSecond());
    out.put("jti", t.jti());
    out.put("sid", t.sessionId());
    out.put("zone", t.zone());
    Object act = t.claims().getClaim("act");
    if (act != null) {
      out.put("act", act);
    }
    return out;
  }

  /**
   * Revokes a token of the caller's own app: an access token by its `jti`, a session token by
   * ending its session and every descendant. Unknown or foreign tokens are ignored (RFC 7009).
   */
  public void revoke(Application caller, String token, RequestContext ctx) {
    Optional<VerifiedToken> verified = verify(token);
    if (verified.isEmpty() || !verified.get().zone().equals(caller.zoneId())) {
      return;
    }
    VerifiedToken t = verified.get();
    Optional<SessionRecord> session = control.sessions().find(t.sessionId());
    boolean owned = t.clientId().equals(caller.id()) || session.map(s -> s.appId().equals(caller.id())).orElse(false);
    if (!owned) {
      return;
    }
    if (t.typ().equals(TokenTypes.SESSION_TOKEN_TYP)) {
      session.ifPresent(s -> sessions.terminate(s, caller.id(), ctx));
    } else {
      control.sessions().revokeToken(t.jti(), t.zone(), t.sessionId(), t.expiresAt(), clock.instant());
    }
  }

  private Optional<VerifiedToken> verify(String token) {
    for (String typ : new String[] {TokenTypes.ACCESS_TOKEN_TYP, TokenTypes.SESSION_TOKEN_TYP}) {
      try {
        String audience = typ.equals(TokenTypes.SESSION_TOKEN_TYP) ? verifier.issuer() : audienceOf(token);
        return Optional.of(verifier.verify(token, typ, audience));
      } catch (TokenRejected e) {
        // try the other type
      }
    }
    return Optional.empty();
  }

  /** The `aud` a resource token names (checked against itself; introspection has no resource). */
  private static String audienceOf(String token) {
    try {
      var aud = SignedJWT.parse(token).getJWTClaimsSet().getAudience();
      return aud == null || aud.isEmpty() ? "" : aud.get(0);
    } catch (ParseException e) {
      return "";
    }
  }
}
