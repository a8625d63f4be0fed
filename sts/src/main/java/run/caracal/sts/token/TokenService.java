package run.caracal.sts.token;

import com.nimbusds.jwt.JWTClaimsSet;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlPlane;
import run.caracal.control.app.Application;
import run.caracal.control.db.Ids;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.Attempt.Bounded;
import run.caracal.control.pipeline.Attempt;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.Outcome;
import run.caracal.control.pipeline.ResourceReads;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.token.VerifiedToken;
import run.caracal.control.trace.Tracing;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Request;
import run.caracal.policy.parse.Names;
import run.caracal.sts.OAuthException;
import run.caracal.sts.RequestContext;
import run.caracal.sts.session.SessionService;

/**
 * Issues resource tokens: RFC 8693 token exchange of a session token, and `client_credentials`
 * for one-shot workloads (backed by an implicit one-shot session, stored only once the request
 * is granted). Protocol checks happen here; everything else (liveness, the app, the engine at
 * phase `issue`, the record) is the {@link DecisionPipeline}'s. Every attempt, allowed or
 * refused, is recorded before the answer is returned. Thread-safe.
 */
public final class TokenService {
  /** Longest resource id (the control plane's column width). */
  private static final int MAX_RESOURCE_CHARS = 512;
  private final DecisionPipeline pipeline;
  private final ResourceReads resources;
  private final CaracalMetrics metrics;
  private final SessionService sessions;
  private final TokenMinter minter;
  private final Lifetimes lifetimes;
  private final Clock clock;
  private final Tracing tracing;

  public TokenService(ControlPlane control, SessionService sessions, TokenMinter minter, Lifetimes lifetimes, Clock clock) {
    this(control.pipeline(), control.resources(), control.metrics(), sessions, minter, lifetimes, clock, control.tracing());
  }

  public TokenService(DecisionPipeline pipeline, ResourceReads resources, CaracalMetrics metrics, SessionService sessions,
      TokenMinter minter, Lifetimes lifetimes, Clock clock) {
    this(pipeline, resources, metrics, sessions, minter, lifetimes, clock, Tracing.NOOP);
  }

  public TokenService(DecisionPipeline pipeline, ResourceReads resources, CaracalMetrics metrics, SessionService sessions,
      TokenMinter minter, Lifetimes lifetimes, Clock clock, Tracing tracing) {
    this.pipeline = pipeline;
    this.resources = resources;
    this.metrics = metrics;
    this.sessions = sessions;
    this.minter = minter;
    this.lifetimes = lifetimes;
    this.clock = clock;
    this.tracing = tracing;
  }

  public IssuedToken issue(Application app, TokenRequest request, RequestContext ctx) {
    Attempt attempt;
    try {
      attempt = switch (request.grantType()) {
        case TokenTypes.GRANT_TOKEN_EXCHANGE -> exchange(app, request, ctx);
        case TokenTypes.GRANT_CLIENT_CREDENTIALS -> clientCredentials(app, request, ctx);
        default -> throw OAuthException.of(Reason.GRANT_TYPE_UNSUPPORTED, "grant_type must be token-exchange or client_credentials");
      };
    } catch (OAuthException refusal) {
      throw recordRefused(app, request, refusal, ctx);
    }
    Outcome outcome = tracing.decision(() -> pipeline.decide(attempt)).join();
    if (outcome instanceof Outcome.Granted granted) {
      return mint(granted, attempt, request.ttlSeconds());
    }
    if (outcome instanceof Outcome.Refused refused) {
      throw OAuthException.of(refused.reason(), refused.message());
    }
    throw OAuthException.unrecorded((Outcome.Unrecorded) outcome);
  }

  private Attempt exchange(Application app, TokenRequest request, RequestContext ctx) {
    String subject = request.subjectToken().orElseThrow(() -> OAuthException.of(Reason.SUBJECT_TOKEN_MISSING, "subject_token is required"));
    String type = request.subjectTokenType()
        .orElseThrow(() -> OAuthException.of(Reason.SUBJECT_TOKEN_TYPE_MISSING, "subject_token_type is required"));
    if (!type.equals(TokenTypes.URN_JWT) && !type.equals(TokenTypes.URN_ACCESS_TOKEN)) {
      throw OAuthException.of(Reason.SUBJECT_TOKEN_TYPE_UNSUPPORTED, "subject_token_type must be jwt or access_token");
    }
    request.requestedTokenType().filter(t -> !t.equals(TokenTypes.URN_ACCESS_TOKEN) && !t.equals(TokenTypes.URN_JWT)).ifPresent(t -> {
      throw OAuthException.of(Reason.REQUESTED_TOKEN_TYPE_UNSUPPORTED, "only access tokens are issued");
    });
    VerifiedToken verified = verifySubject(subject);
    if (!verified.clientId().equals(app.id())) {
      throw OAuthException.of(Reason.SESSION_NOT_OWNED, "the session belongs to another application");
    }
    Optional<String> actor = request.actorToken().map(t -> sessions.verifyActive(t).session().id());
    String resourceId = singleResource(app, request);
    List<String> requested = List.copyOf(new LinkedHashSet<>(request.scopes()));
    return attempt(app, new Attempt.SessionRef.Existing(verified.sessionId(), Optional.of(Ids.newId("jti"))), resourceId,
        requested, request, ctx, (session, scopes) -> bounds(app, session, actor, resourceId, scopes));
  }

  /** The subject (session) token, verified in a `caracal.token.verify` span. */
  private VerifiedToken verifySubject(String subject) {
    Span span = tracing.child("caracal.token.verify");
    try {
      return sessions.verifySessionToken(subject);
    } catch (OAuthException e) {
      span.setStatus(StatusCode.ERROR, e.reason());
      throw e;
    } finally {
      span.end();
    }
  }

  /** The exchange's limits: the app's own session, the actor in its chain, resource and scopes within it. */
  private static Bounded bounds(Application app, SessionRecord session, Optional<String> actor, String resourceId,
      List<String> requested) {
    if (!session.appId().equals(app.id())) {
      return Bounded.outside(Reason.SESSION_NOT_OWNED, "the session belongs to another application");
    }
    if (actor.isPresent() && (!session.lineage().contains(actor.get()) || actor.get().equals(session.id()))) {
      return Bounded.outside(Reason.ACTOR_NOT_IN_CHAIN, "actor_token must be a session that delegated to the subject session");
    }
    if (!session.resources().isEmpty() && !session.resources().contains(resourceId)) {
      return Bounded.outside(Reason.RESOURCE_OUTSIDE_SESSION, "resource `" + resourceId + "` is outside the session's resources");
    }
    List<String> scopes = requested.isEmpty() ? session.scopes() : requested;
    if (scopes.isEmpty()) {
      return Bounded.outside(Reason.SCOPE_MISSING, "scope is required");
    }
    for (String s : scopes) {
      if (!session.scopes().isEmpty() && !session.scopes().contains(s)) {
        return Bounded.outside(Reason.SCOPE_OUTSIDE_SESSION, "scope `" + s + "` is outside the session's scopes");
      }
    }
    return Bounded.within(scopes);
  }

  private Attempt clientCredentials(Application app, TokenRequest request, RequestContext ctx) {
    String resourceId = singleResource(app, request);
    if (request.scopes().isEmpty()) {
      throw OAuthException.of(Reason.SCOPE_MISSING, "scope is required");
    }
    SessionRecord session = sessions.oneShot(app, request.scopes(), resourceId, tokenTtl(request.ttlSeconds()));
    return attempt(app, new Attempt.SessionRef.OneShot(session, Optional.of(Ids.newId("jti"))), resourceId,
        List.copyOf(new LinkedHashSet<>(request.scopes())), request, ctx, Attempt.Bounds.NONE);
  }

  private Attempt attempt(Application app, Attempt.SessionRef session, String resourceId, List<String> scopes, TokenRequest request,
      RequestContext ctx, Attempt.Bounds bounds) {
    return new Attempt(ctx.requestId(), ctx.traceId(), ctx.clientIp(), Phase.ISSUE, app.zoneId(), app.id(), session, resourceId,
        resources.find(app.zoneId(), resourceId), Call.grant(request.grantType()),
        Request.newBuilder().setPhase(Phase.ISSUE.id()).addAllScopes(scopes).build(), ScopeMatch.ALL, bounds);
  }

  /** Mints the token of a granted request; a one-shot session is stored now, after its grant is durable. */
  private IssuedToken mint(Outcome.Granted granted, Attempt attempt, Optional<Long> ttlSeconds) {
    SessionRecord session = granted.session();
    Application app = granted.app();
    Decision decision = granted.decision();
    String jti = attempt.session().tokenId().orElseThrow();
    if (session.oneShot()) {
      try {
        sessions.store(session);
      } catch (RuntimeException e) {
        throw OAuthException.of(Reason.DATABASE_UNAVAILABLE, "the session could not be stored; nothing was issued");
      }
    }
    Instant now = granted.record().time();
    Instant expires = now.plus(tokenTtl(ttlSeconds));
    if (expires.isAfter(session.expiresAt())) {
      expires = session.expiresAt();
    }
    JWTClaimsSet.Builder claims = minter.base(app.zoneId(), app.id(), attempt.resourceId(), jti, now, expires)
        .claim("scope", String.join(" ", decision.requested()))
        .claim("sid", session.id())
        .claim("root_sid", session.rootId())
        .claim("depth", session.depth())
        .claim("policy_set", decision.policySet().name() + "@" + decision.policySet().version());
    List<Map<String, Object>> delegators = SessionService.delegators(granted.record());
    if (!delegators.isEmpty()) {
      claims.claim("act", TokenMinter.act(delegators));
    }
    String token = minter.sign(app.zoneId(), TokenTypes.ACCESS_TOKEN_TYP, claims.build());
    metrics.tokenIssued(app.zoneId());
    return new IssuedToken(token, TokenTypes.URN_ACCESS_TOKEN, Duration.between(now, expires).toSeconds(), decision.requested(),
        session.id(), jti);
  }

  private Duration tokenTtl(Optional<Long> ttlSeconds) {
    Duration ttl = ttlSeconds.map(Duration::ofSeconds).orElse(lifetimes.maxToken());
    if (ttl.isNegative() || ttl.isZero()) {
      throw OAuthException.of(Reason.INVALID_TTL, "ttl_seconds must be positive");
    }
    return ttl.compareTo(lifetimes.maxToken()) > 0 ? lifetimes.maxToken() : ttl;
  }

  /**
   * The one resource asked for. An MCP client following the specification sends the URL it
   * connects to (RFC 8707): {@code {gateway}/mcp/{name}} stands for the MCP resource
   * {@code resource://{name}} of the app's zone (unless a resource has that URL as its own id),
   * and the token is for that resource id, which the Gateway checks.
   */
  private String singleResource(Application app, TokenRequest request) {
    if (request.resources().isEmpty()) {
      throw OAuthException.of(Reason.RESOURCE_MISSING, "resource is required (RFC 8707)");
    }
    if (request.resources().size() > 1) {
      throw OAuthException.of(Reason.RESOURCE_MULTIPLE, "exactly one resource per token");
    }
    String resource = request.resources().get(0);
    if (resource.length() > MAX_RESOURCE_CHARS || !Names.RESOURCE_ID.matcher(resource).matches()) {
      throw OAuthException.of(Reason.RESOURCE_INVALID, "resource must be a resource id like `resource://name`");
    }
    Optional<String> alias = ResourceBinding.mcpAlias(resource);
    if (alias.isPresent() && resources.find(app.zoneId(), resource).isEmpty()
        && resources.find(app.zoneId(), alias.get()).filter(b -> b.mcp().isPresent()).isPresent()) {
      return alias.get();
    }
    return resource;
  }

  /**
   * An attempt refused before the engine was asked (bad grant, unusable subject token...) is an
   * issue attempt too: recorded as a refusal. Returns what to answer: the refusal, or 503 when
   * it could not be recorded.
   */
  private OAuthException recordRefused(Application app, TokenRequest request, OAuthException refusal, RequestContext ctx) {
    Reason reason = Reason.fromId(refusal.reason()).orElse(Reason.MALFORMED_REQUEST);
    String resource = request.resources().size() == 1 ? request.resources().get(0) : "";
    Outcome outcome = tracing.decision(() -> pipeline.refuse(ctx.requestId(), ctx.traceId(), ctx.clientIp(), Phase.ISSUE,
        app.zoneId(), Optional.of(app.id()), Optional.empty(), Optional.empty(), resource, Call.grant(request.grantType()),
        Request.newBuilder().setPhase(Phase.ISSUE.id()).addAllScopes(request.scopes()).build(),
        new Attempt.Refusal(reason, refusal.getMessage()))).join();
    return outcome instanceof Outcome.Unrecorded u ? OAuthException.unrecorded(u) : refusal;
  }
}
