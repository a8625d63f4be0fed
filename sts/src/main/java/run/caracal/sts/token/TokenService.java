package run.caracal.sts.token;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
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
import run.caracal.control.db.Json;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.DecisionInputs;
import run.caracal.control.session.SessionRecord;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Session;
import run.caracal.sts.OAuthException;
import run.caracal.sts.RequestContext;
import run.caracal.sts.session.SessionService;

/**
 * Issues resource tokens: RFC 8693 token exchange of a session token, and `client_credentials`
 * for one-shot workloads (backed by an implicit one-shot session). The engine decides every
 * attempt at phase `issue`; every attempt, allowed or denied, is recorded as an `authorization`
 * event before the answer is returned. Thread-safe.
 */
public final class TokenService {
  /** Longest resource id (the control plane's column width). */
  private static final int MAX_RESOURCE_CHARS = 512;
  private final ControlPlane control;
  private final SessionService sessions;
  private final TokenMinter minter;
  private final Lifetimes lifetimes;
  private final Clock clock;

  public TokenService(ControlPlane control, SessionService sessions, TokenMinter minter, Lifetimes lifetimes, Clock clock) {
    this.control = control;
    this.sessions = sessions;
    this.minter = minter;
    this.lifetimes = lifetimes;
    this.clock = clock;
  }

  public IssuedToken issue(Application app, TokenRequest request, RequestContext ctx) {
    Prepared prepared;
    try {
      prepared = switch (request.grantType()) {
        case TokenTypes.GRANT_TOKEN_EXCHANGE -> exchange(app, request);
        case TokenTypes.GRANT_CLIENT_CREDENTIALS -> clientCredentials(app, request);
        default -> throw new OAuthException("unsupported_grant_type", "grant_type_unsupported", 400,
            "grant_type must be token-exchange or client_credentials");
      };
    } catch (OAuthException e) {
      recordRefused(app, request, e, ctx);
      throw e;
    }
    return decideAndMint(app, prepared.session(), prepared.resourceId(), prepared.scopes(), request.ttlSeconds(), ctx);
  }

  /** A request that passed the protocol checks and goes to the engine. */
  private record Prepared(SessionRecord session, String resourceId, List<String> scopes) {}

  private Prepared exchange(Application app, TokenRequest request) {
    String subject = request.subjectToken().orElseThrow(() -> OAuthException.invalidRequest("subject_token_missing", "subject_token is required"));
    String type = request.subjectTokenType().orElseThrow(() -> OAuthException.invalidRequest("subject_token_type_missing", "subject_token_type is required"));
    if (!type.equals(TokenTypes.URN_JWT) && !type.equals(TokenTypes.URN_ACCESS_TOKEN)) {
      throw OAuthException.invalidRequest("subject_token_type_unsupported", "subject_token_type must be jwt or access_token");
    }
    request.requestedTokenType().filter(t -> !t.equals(TokenTypes.URN_ACCESS_TOKEN) && !t.equals(TokenTypes.URN_JWT)).ifPresent(t -> {
      throw OAuthException.invalidRequest("requested_token_type_unsupported", "only access tokens are issued");
    });
    SessionService.ActiveSession active = sessions.verifyActive(subject);
    SessionRecord session = active.session();
    if (!session.appId().equals(app.id())) {
      throw OAuthException.invalidGrant("session_not_owned", "the session belongs to another application");
    }
    if (request.actorToken().isPresent()) {
      SessionRecord actor = sessions.verifyActive(request.actorToken().get()).session();
      if (!session.lineage().contains(actor.id()) || actor.id().equals(session.id())) {
        throw OAuthException.invalidGrant("actor_not_in_chain", "actor_token must be a session that delegated to the subject session");
      }
    }
    String resourceId = singleResource(request);
    if (!session.resources().isEmpty() && !session.resources().contains(resourceId)) {
      throw OAuthException.invalidTarget("resource_outside_session", "resource `" + resourceId + "` is outside the session's resources");
    }
    List<String> scopes = request.scopes().isEmpty() ? session.scopes() : request.scopes();
    if (scopes.isEmpty()) {
      throw OAuthException.invalidScope("scope_missing", "scope is required");
    }
    for (String s : scopes) {
      if (!session.scopes().isEmpty() && !session.scopes().contains(s)) {
        throw OAuthException.invalidScope("scope_outside_session", "scope `" + s + "` is outside the session's scopes");
      }
    }
    return new Prepared(session, resourceId, scopes);
  }

  private Prepared clientCredentials(Application app, TokenRequest request) {
    String resourceId = singleResource(request);
    if (request.scopes().isEmpty()) {
      throw OAuthException.invalidScope("scope_missing", "scope is required");
    }
    Duration ttl = tokenTtl(request.ttlSeconds());
    SessionRecord session = sessions.openOneShot(app, request.scopes(), resourceId, ttl);
    return new Prepared(session, resourceId, request.scopes());
  }

  private IssuedToken decideAndMint(Application app, SessionRecord session, String resourceId, List<String> scopes,
      Optional<Long> ttlSeconds, RequestContext ctx) {
    Instant now = clock.instant();
    List<String> requested = List.copyOf(new LinkedHashSet<>(scopes));
    Optional<ResourceBinding> resource = control.resources().find(app.zoneId(), resourceId);
    Delegation delegation = DecisionInputs.delegation(session, control.sessions());
    List<Map<String, Object>> delegators = SessionService.delegators(delegation);
    DecisionInput input = input(app, session, delegation, resource, resourceId, requested, ctx, now);
    ZonePolicies policies = control.active().forZone(app.zoneId());
    Optional<Decision> decision = policies.active().map(set -> set.decide(input));
    String jti = Ids.newId("jti");
    boolean allowed = decision.map(Decision::allowed).orElse(false);
    ObjectNode explanation = explanation(app, session, resourceId, decision, policies.active().isEmpty());
    if (resource.isEmpty()) {
      explanation.put("resourceRegistered", false);
    }
    recordAuthorization(app, session, resourceId, allowed, allowed ? jti : null, explanation, ctx);
    policies.shadow().ifPresent(shadow -> recordShadow(app, session, resourceId, shadow.decide(input), decision, ctx));
    if (resource.isEmpty()) {
      throw OAuthException.invalidTarget("unknown_resource", "resource `" + resourceId + "` is not registered in this zone");
    }
    if (!allowed) {
      String reason = decision.map(d -> d.reasons().isEmpty() ? "denied" : d.reasons().get(0).id())
          .orElse(ReasonCode.NO_ACTIVE_POLICY_SET.id());
      throw OAuthException.accessDenied(reason, "policy denied the request (see `caracal explain " + ctx.requestId() + "`)");
    }
    Instant expires = now.plus(tokenTtl(ttlSeconds));
    if (expires.isAfter(session.expiresAt())) {
      expires = session.expiresAt();
    }
    JWTClaimsSet.Builder claims = minter.base(app.zoneId(), app.id(), resourceId, jti, now, expires)
        .claim("scope", String.join(" ", requested))
        .claim("sid", session.id())
        .claim("root_sid", session.rootId())
        .claim("depth", session.depth())
        .claim("policy_set", decision.get().policySet().name() + "@" + decision.get().policySet().version());
    if (!delegators.isEmpty()) {
      claims.claim("act", TokenMinter.act(delegators));
    }
    String token = minter.sign(app.zoneId(), TokenTypes.ACCESS_TOKEN_TYP, claims.build());
    control.metrics().tokenIssued(app.zoneId());
    return new IssuedToken(token, TokenTypes.URN_ACCESS_TOKEN, Duration.between(now, expires).toSeconds(), requested, session.id(), jti);
  }

  private Duration tokenTtl(Optional<Long> ttlSeconds) {
    Duration ttl = ttlSeconds.map(Duration::ofSeconds).orElse(lifetimes.maxToken());
    if (ttl.isNegative() || ttl.isZero()) {
      throw OAuthException.invalidRequest("invalid_ttl", "ttl_seconds must be positive");
    }
    return ttl.compareTo(lifetimes.maxToken()) > 0 ? lifetimes.maxToken() : ttl;
  }

  private static String singleResource(TokenRequest request) {
    if (request.resources().isEmpty()) {
      throw OAuthException.invalidTarget("resource_missing", "resource is required (RFC 8707)");
    }
    if (request.resources().size() > 1) {
      throw OAuthException.invalidTarget("resource_multiple", "exactly one resource per token");
    }
    String resource = request.resources().get(0);
    if (resource.length() > MAX_RESOURCE_CHARS || !run.caracal.policy.parse.Names.RESOURCE_ID.matcher(resource).matches()) {
      throw OAuthException.invalidTarget("resource_invalid", "resource must be a resource id like `resource://name`");
    }
    return resource;
  }

  private DecisionInput input(Application app, SessionRecord session, Delegation delegation, Optional<ResourceBinding> resource,
      String resourceId, List<String> scopes, RequestContext ctx, Instant now) {
    return new DecisionInput(
        DecisionInputs.principal(app),
        DecisionInputs.session(session),
        delegation,
        resource.map(ResourceBinding::toInput).orElse(run.caracal.policy.input.Resource.newBuilder().setId(resourceId).build()),
        Request.newBuilder().setPhase("issue").addAllScopes(scopes).build(),
        Context.newBuilder().setTraceId(ctx.traceId()).setClientIp(ctx.clientIp()).build(),
        now);
  }


  private static ObjectNode explanation(Application app, SessionRecord session, String resourceId, Optional<Decision> decision,
      boolean noActiveSet) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.putObject("principal").put("app", app.id()).put("name", app.name()).put("zone", app.zoneId());
    root.putObject("session").put("id", session.id()).put("root", session.rootId()).put("depth", session.depth())
        .put("oneShot", session.oneShot());
    root.put("resource", resourceId);
    if (decision.isPresent()) {
      root.set("decision", DecisionJson.toJson(decision.get()));
    } else if (noActiveSet) {
      root.putObject("decision").put("decision", "deny").putArray("reasons").add(ReasonCode.NO_ACTIVE_POLICY_SET.id());
    }
    return root;
  }

  private void recordAuthorization(Application app, SessionRecord session, String resourceId, boolean allowed, String jti,
      ObjectNode explanation, RequestContext ctx) {
    var builder = control.audit().ledger().newEvent("authorization")
        .requestId(ctx.requestId()).traceId(ctx.traceId()).sessionId(session.id()).zone(app.zoneId()).app(app.id())
        .resource(resourceId).actor(app.id())
        .decision(allowed ? run.caracal.ledger.event.Decision.ALLOW : run.caracal.ledger.event.Decision.DENY)
        .explanation(explanation.toString());
    if (jti != null) {
      builder.token(Fingerprint.of(jti));
    }
    try {
      control.metrics().timeLedgerAppend(() -> control.audit().ledger().append(builder.build()).join());
    } catch (RuntimeException e) {
      throw new OAuthException("temporarily_unavailable", "ledger_unavailable", 503, "the decision could not be recorded; try again");
    }
    control.metrics().decision("sts", allowed, allowed ? "allowed_by_rule"
        : explanation.path("decision").path("reasons").path(0).asText("denied"));
  }

  /**
   * An attempt refused before the engine was asked (bad grant, dead session, scope outside the
   * session...) is an issue attempt too: recorded as a denial with the refusal as its reason.
   */
  private void recordRefused(Application app, TokenRequest request, OAuthException refusal, RequestContext ctx) {
    ObjectNode explanation = Json.MAPPER.createObjectNode();
    explanation.putObject("principal").put("app", app.id()).put("name", app.name()).put("zone", app.zoneId());
    explanation.put("grantType", request.grantType());
    request.resources().forEach(explanation.putArray("resources")::add);
    request.scopes().forEach(explanation.putArray("scopes")::add);
    ObjectNode decision = explanation.putObject("decision").put("decision", "deny").put("phase", "issue");
    decision.putArray("reasons").add(refusal.reason());
    explanation.putObject("refused").put("error", refusal.error()).put("reason", refusal.reason())
        .put("description", String.valueOf(refusal.getMessage()));
    var builder = control.audit().ledger().newEvent("authorization")
        .requestId(ctx.requestId()).traceId(ctx.traceId()).zone(app.zoneId()).app(app.id()).actor(app.id())
        .decision(run.caracal.ledger.event.Decision.DENY).explanation(explanation.toString());
    if (request.resources().size() == 1 && request.resources().get(0).length() <= 1024) {
      builder.resource(request.resources().get(0));
    }
    try {
      control.metrics().timeLedgerAppend(() -> control.audit().ledger().append(builder.build()).join());
    } catch (RuntimeException e) {
      throw new OAuthException("temporarily_unavailable", "ledger_unavailable", 503, "the decision could not be recorded; try again");
    }
    control.metrics().decision("sts", false, refusal.reason());
  }

  private void recordShadow(Application app, SessionRecord session, String resourceId, Decision shadow, Optional<Decision> active,
      RequestContext ctx) {
    boolean activeAllowed = active.map(Decision::allowed).orElse(false);
    if (shadow.allowed() == activeAllowed) {
      return;
    }
    ObjectNode details = Json.MAPPER.createObjectNode();
    details.put("resource", resourceId);
    details.put("active", activeAllowed ? "allow" : "deny");
    details.set("shadow", DecisionJson.toJson(shadow));
    control.audit().ledger().append(control.audit().ledger().newEvent("policyset.shadow_disagreement")
        .requestId(ctx.requestId()).traceId(ctx.traceId()).sessionId(session.id()).zone(app.zoneId()).app(app.id())
        .resource(resourceId).actor(app.id()).decision(run.caracal.ledger.event.Decision.NONE)
        .explanation(details.toString()).build());
  }
}
