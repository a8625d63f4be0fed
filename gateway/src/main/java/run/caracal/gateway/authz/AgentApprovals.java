package run.caracal.gateway.authz;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.pipeline.AppReads;
import run.caracal.control.pipeline.Liveness;
import run.caracal.control.pipeline.SessionReads;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;
import run.caracal.control.token.TokenRejected;
import run.caracal.control.token.TokenVerifier;
import run.caracal.control.token.VerifiedToken;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;

/**
 * What an agent may learn about the approval its held request waits for (`GET
 * /.caracal/approvals/{id}` at the Gateway): the approval's state, told only to a caller whose
 * resource token verifies as at any Gateway request (signature, type, issuer, times, the session
 * and the token still live, the app enabled, the rate limit) and belongs to the approval's zone,
 * app and root session. Any other id is `approval_unknown` (404), whether it exists or not.
 * Blocking reads: run it off the event loop. Thread-safe.
 */
final class AgentApprovals {
  /** How long an agent waits before asking about a pending approval again. */
  static final long PENDING_RETRY_SECONDS = 2;
  private static final int MAX_ID_CHARS = 64;

  private final TokenVerifier verifier;
  private final SessionReads sessions;
  private final AppReads apps;
  private final RateLimiter limiter;
  private final Clock clock;

  AgentApprovals(TokenVerifier verifier, SessionReads sessions, AppReads apps, RateLimiter limiter, Clock clock) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.apps = apps;
    this.limiter = limiter;
    this.clock = clock;
  }

  /**
   * The approval {@code id} as its agent sees it: `approval_id`, `state`, `expires_at` and, once
   * an approver answered, `decided_at`.
   *
   * @throws GatewayException 401 for a missing or unusable token, 429 past the rate limit, 404
   *     `approval_unknown` for an approval that is not the caller's (or does not exist)
   */
  Map<String, Object> status(Optional<ApprovalStore> store, String authorization, String id) throws GatewayException {
    VerifiedToken token;
    try {
      token = verifier.verifyAnyAudience(GatewayAuthorizer.bearer(authorization), "at+jwt");
    } catch (TokenRejected e) {
      throw GatewayAuthorizer.rejected(e);
    }
    GatewayAuthorizer.throttle(limiter, token.zone(), token.clientId());
    Optional<SessionStore.Checked> checked = sessions.findChecked(token.sessionId(), token.jti());
    Optional<Reason> dead = Liveness.check(checked, clock.instant());
    if (dead.isPresent()) {
      throw GatewayException.of(dead.get(), Liveness.message(dead.get()));
    }
    if (!apps.find(token.clientId()).map(app -> app.enabled()).orElse(false)) {
      throw GatewayException.of(Reason.APP_DISABLED, "the application is disabled");
    }
    String root = checked.get().session().rootId();
    Approval a = store.filter(s -> id.length() <= MAX_ID_CHARS).flatMap(s -> s.find(id))
        .filter(x -> x.zoneId().equals(token.zone()) && x.appId().equals(token.clientId()))
        .filter(x -> x.sessionId().isEmpty() || x.sessionId().flatMap(sessions::find).map(SessionRecord::rootId)
            .filter(root::equals).isPresent())
        .orElseThrow(() -> GatewayException.of(Reason.APPROVAL_UNKNOWN, "no such approval for this token"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("approval_id", a.id());
    out.put("state", a.state().id());
    out.put("expires_at", a.expiresAt().toString());
    a.decidedAt().ifPresent(t -> out.put("decided_at", t.toString()));
    return out;
  }
}
