package run.caracal.sts.session;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlPlane;
import run.caracal.control.app.Application;
import run.caracal.control.db.Ids;
import run.caracal.control.db.Json;
import run.caracal.control.pipeline.Liveness;
import run.caracal.control.session.DecisionInputs;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;
import run.caracal.control.token.TokenRejected;
import run.caracal.control.token.TokenVerifier;
import run.caracal.control.token.VerifiedToken;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.Reason;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.Decision;
import run.caracal.policy.input.Delegation;
import run.caracal.sts.OAuthException;
import run.caracal.sts.RequestContext;
import run.caracal.sts.token.Lifetimes;
import run.caracal.sts.token.TokenMinter;
import run.caracal.sts.token.TokenTypes;

/**
 * Opens, reads and ends agent sessions. A delegated session needs its parent's token and may
 * only narrow: scopes and resources within the parent's, depth within the limit, lifetime within
 * the parent's. Ending a session ends every descendant. Thread-safe.
 */
public final class SessionService {
  private final SessionStore sessions;
  private final Ledger ledger;
  private final TokenMinter minter;
  private final TokenVerifier verifier;
  private final Lifetimes lifetimes;
  private final Clock clock;

  public SessionService(ControlPlane control, TokenMinter minter, TokenVerifier verifier, Lifetimes lifetimes, Clock clock) {
    this(control.sessions(), control.audit().ledger(), minter, verifier, lifetimes, clock);
  }

  /** Over a session store and the ledger its events go to. */
  public SessionService(SessionStore sessions, Ledger ledger, TokenMinter minter, TokenVerifier verifier, Lifetimes lifetimes,
      Clock clock) {
    this.sessions = sessions;
    this.ledger = ledger;
    this.minter = minter;
    this.verifier = verifier;
    this.lifetimes = lifetimes;
    this.clock = clock;
  }

  public OpenedSession open(Application app, SessionRequest request, RequestContext ctx) {
    Instant now = clock.instant();
    Duration ttl = request.ttlSeconds().map(Duration::ofSeconds).orElse(lifetimes.defaultSession());
    if (ttl.isNegative() || ttl.isZero()) {
      throw OAuthException.of(Reason.INVALID_TTL, "ttl_seconds must be positive");
    }
    if (ttl.compareTo(lifetimes.maxSession()) > 0) {
      ttl = lifetimes.maxSession();
    }
    Optional<SessionRecord> parent = Optional.empty();
    if (request.parentSessionToken().isPresent()) {
      parent = Optional.of(verifyActive(request.parentSessionToken().get()).session());
    }
    List<String> scopes = request.scopes();
    List<String> resources = request.resources();
    Instant expires = now.plus(ttl);
    int depth = 0;
    List<String> lineage = new ArrayList<>();
    String rootId;
    String id = Ids.newId("ses");
    if (parent.isPresent()) {
      SessionRecord p = parent.get();
      if (!p.zoneId().equals(app.zoneId())) {
        throw OAuthException.of(Reason.ZONE_MISMATCH, "parent session belongs to another zone");
      }
      depth = p.depth() + 1;
      if (depth > lifetimes.maxDepth()) {
        throw OAuthException.accessDenied("delegation_depth_exceeded",
            "delegation depth " + depth + " exceeds the limit of " + lifetimes.maxDepth());
      }
      scopes = narrow(scopes, p.scopes(), "scope");
      resources = narrow(resources, p.resources(), "resource");
      if (expires.isAfter(p.expiresAt())) {
        expires = p.expiresAt();
      }
      lineage.addAll(p.lineage());
      rootId = p.rootId();
    } else {
      rootId = id;
    }
    lineage.add(id);
    SessionRecord session = new SessionRecord(id, app.zoneId(), app.id(), parent.map(SessionRecord::id), rootId, lineage, depth,
        scopes, resources, false, now, expires, Optional.empty());
    sessions.insert(session);
    String token = sessionToken(session, delegators(session));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("session", id);
    details.put("parent", parent.map(SessionRecord::id).orElse(null));
    details.put("depth", depth);
    details.put("scopes", scopes);
    details.put("resources", resources);
    details.put("expiresAt", expires.toString());
    try {
      record("session.opened", session, ctx, details);
    } catch (OAuthException unrecorded) { // no session without its event: the row goes again
      sessions.delete(id);
      throw unrecorded;
    }
    return new OpenedSession(session, token);
  }

  /** A session token whose signature, type, issuer and times verify (its session is not read). */
  public VerifiedToken verifySessionToken(String token) {
    try {
      return verifier.verify(token, TokenTypes.SESSION_TOKEN_TYP, verifier.issuer());
    } catch (TokenRejected e) {
      throw OAuthException.invalidGrant(e.reason(), e.getMessage());
    }
  }

  /** A session token that verifies and whose session (and so its ancestors) is still active. */
  public ActiveSession verifyActive(String token) {
    VerifiedToken verified = verifySessionToken(token);
    Optional<SessionStore.Checked> checked = sessions.findChecked(verified.sessionId(), verified.jti());
    Optional<Reason> dead = Liveness.check(checked, clock.instant());
    if (dead.isPresent()) {
      throw OAuthException.of(dead.get(), Liveness.message(dead.get()));
    }
    SessionRecord session = checked.get().session();
    return new ActiveSession(session, verified);
  }

  /** A session checked together with the token that named it. */
  public record ActiveSession(SessionRecord session, VerifiedToken token) {}

  public Optional<SessionRecord> find(String id) {
    return sessions.find(id);
  }

  /** Ends a session and its descendants; returns the ids ended now. */
  public List<String> terminate(SessionRecord session, String actor, RequestContext ctx) {
    List<String> ended = sessions.terminate(session.id(), clock.instant());
    record("session.terminated", session, ctx, Map.of("session", session.id(), "ended", ended, "actor", actor));
    return ended;
  }

  /** The apps and sessions that delegated to this one, nearest first. */
  public List<Map<String, Object>> delegators(SessionRecord session) {
    return delegators(DecisionInputs.delegation(session, sessions));
  }

  /** The delegators of a delegation (root first in its chain), nearest first, as `act` hops. */
  public static List<Map<String, Object>> delegators(Delegation delegation) {
    List<Map<String, Object>> chain = new ArrayList<>();
    for (int i = delegation.getChainCount() - 1; i >= 0; i--) {
      Map<String, Object> hop = new LinkedHashMap<>();
      hop.put("sub", delegation.getChain(i).getApp());
      hop.put("sid", delegation.getChain(i).getSession());
      chain.add(hop);
    }
    return chain;
  }

  /**
   * A one-shot session to back a `client_credentials` token, so every token has a session. Not
   * stored: the caller {@linkplain #store stores} it once the request is granted.
   */
  public SessionRecord oneShot(Application app, List<String> scopes, String resource, Duration ttl) {
    Instant now = clock.instant();
    String id = Ids.newId("ses");
    return new SessionRecord(id, app.zoneId(), app.id(), Optional.empty(), id, List.of(id), 0,
        scopes, List.of(resource), true, now, now.plus(ttl), Optional.empty());
  }

  /** Stores a granted one-shot session. */
  public void store(SessionRecord session) {
    sessions.insert(session);
  }

  /** The apps and sessions that delegated to a recorded decision's session, nearest first, as `act` hops. */
  public static List<Map<String, Object>> delegators(DecisionRecord record) {
    List<Map<String, Object>> chain = new ArrayList<>();
    List<DecisionRecord.Hop> hops = record.session().map(DecisionRecord.SessionRef::chain).orElse(List.of());
    for (int i = hops.size() - 1; i >= 0; i--) {
      Map<String, Object> hop = new LinkedHashMap<>();
      hop.put("sub", hops.get(i).app());
      hop.put("sid", hops.get(i).session());
      chain.add(hop);
    }
    return chain;
  }

  private String sessionToken(SessionRecord s, List<Map<String, Object>> delegators) {
    JWTClaimsSet.Builder claims = minter.base(s.zoneId(), s.appId(), minter.issuer(), Ids.newId("jti"), s.createdAt(), s.expiresAt())
        .claim("use", "session")
        .claim("sid", s.id())
        .claim("root_sid", s.rootId())
        .claim("depth", s.depth());
    if (!s.scopes().isEmpty()) {
      claims.claim("scope", String.join(" ", s.scopes()));
    }
    if (!s.resources().isEmpty()) {
      claims.claim("resources", s.resources());
    }
    if (!delegators.isEmpty()) {
      claims.claim("act", TokenMinter.act(delegators));
    }
    return minter.sign(s.zoneId(), TokenTypes.SESSION_TOKEN_TYP, claims.build());
  }

  private static List<String> narrow(List<String> requested, List<String> parent, String what) {
    if (parent.isEmpty()) {
      return requested;
    }
    if (requested.isEmpty()) {
      return parent;
    }
    for (String r : requested) {
      if (!parent.contains(r)) {
        String reason = what + "_escalation";
        String description = what + " `" + r + "` is not held by the parent session";
        throw what.equals("resource") ? OAuthException.invalidTarget(reason, description) : OAuthException.invalidScope(reason, description);
      }
    }
    return requested;
  }

  private void record(String type, SessionRecord s, RequestContext ctx, Map<String, ?> details) {
    try {
      ledger.append(ledger.newEvent(type)
          .requestId(ctx.requestId()).traceId(ctx.traceId()).sessionId(s.id()).zone(s.zoneId()).app(s.appId())
          .actor(s.appId()).decision(Decision.NONE).explanation(Json.write(details)).build()).join();
    } catch (RuntimeException e) {
      throw OAuthException.unrecorded();
    }
  }

}
