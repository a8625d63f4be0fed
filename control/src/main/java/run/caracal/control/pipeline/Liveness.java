package run.caracal.control.pipeline;

import java.time.Instant;
import java.util.Optional;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;
import run.caracal.decision.Reason;

/**
 * The one liveness check of a session and a token: the session exists, is not ended, has not
 * expired, and the token's `jti` is not revoked. It covers every ancestor too: ending a session
 * ends its descendants in the same statement, and a child never outlives its parent. The
 * pipeline, introspection, the STS's parent and actor tokens, and the Gateway's watch over a
 * forwarded exchange all ask it. Stateless.
 */
public final class Liveness {
  private Liveness() {}

  /** Why a session (read with its token's revocation) is not live at {@code now}; empty when it is. */
  public static Optional<Reason> check(Optional<SessionStore.Checked> checked, Instant now) {
    if (checked.isEmpty()) {
      return Optional.of(Reason.SESSION_UNKNOWN);
    }
    SessionRecord s = checked.get().session();
    if (s.terminatedAt().isPresent()) {
      return Optional.of(Reason.SESSION_REVOKED);
    }
    if (!now.isBefore(s.expiresAt())) {
      return Optional.of(Reason.SESSION_EXPIRED);
    }
    return checked.get().tokenRevoked() ? Optional.of(Reason.TOKEN_REVOKED) : Optional.empty();
  }

  /** The words a client is shown for a liveness reason. */
  public static String message(Reason reason) {
    return switch (reason) {
      case SESSION_UNKNOWN -> "the session does not exist";
      case SESSION_REVOKED -> "the session has been terminated";
      case SESSION_EXPIRED -> "the session has expired";
      case TOKEN_REVOKED -> "the token has been revoked";
      default -> reason.id();
    };
  }
}
