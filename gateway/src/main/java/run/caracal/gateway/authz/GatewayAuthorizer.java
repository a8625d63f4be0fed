package run.caracal.gateway.authz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import run.caracal.control.ControlPlane;
import run.caracal.control.app.Application;
import run.caracal.control.db.Json;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.DecisionInputs;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;
import run.caracal.control.token.TokenRejected;
import run.caracal.control.token.TokenVerifier;
import run.caracal.control.token.VerifiedToken;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.net.UpstreamPath;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Request;

/**
 * Decides one Gateway request, in order: resource binding → token verification (signature,
 * type, issuer, audience = this resource, times) → revocation of the session (and so its
 * ancestors) and the `jti`, never cached → the token's application still enabled → operation
 * mapping → engine decision at phase `request` → the `gateway.decision` event made durable.
 * Only then is the request authorized. Refusals are recorded too (when the ledger is up).
 * Blocking: run it off the event loop. Thread-safe.
 */
public final class GatewayAuthorizer {
  /** Headers a policy never sees (credentials), besides every `x-caracal-*`. */
  private static final List<String> HIDDEN_HEADERS = List.of("authorization", "cookie", "proxy-authorization");

  private final ControlPlane control;
  private final TokenVerifier verifier;
  private final UpstreamGuard guard;
  private final Clock clock;
  private final RateLimiter limiter;

  public GatewayAuthorizer(ControlPlane control, TokenVerifier verifier, UpstreamGuard guard, Clock clock, RateLimiter limiter) {
    this.control = control;
    this.verifier = verifier;
    this.guard = guard;
    this.clock = clock;
    this.limiter = limiter;
  }

  /** The process's metrics (the Gateway records request latency there). */
  public run.caracal.control.metrics.CaracalMetrics metrics() {
    return control.metrics();
  }

  /**
   * Whether an authorized exchange may go on: its session (and so every ancestor) is still alive,
   * its token not revoked, its app enabled. A database failure counts as no (fail closed).
   */
  public boolean stillAuthorized(Authorized a) {
    try {
      return control.sessions().findChecked(a.sessionId(), a.jti())
          .map(c -> c.session().activeAt(clock.instant()) && !c.tokenRevoked()).orElse(false)
          && control.app(a.appId()).enabled();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether this request's resource asks to inspect bodies of its content type. Empty when the
   * request cannot be routed yet (the refusal comes from {@link #authorize}).
   */
  public Optional<ResourceBinding.BodyInspection> bodyInspection(GatewayRequest request) {
    String resourceId = request.headers().get("x-caracal-resource");
    String authorization = request.headers().get("authorization");
    if (resourceId == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    try {
      String zone = peekZone(authorization.substring(7).trim());
      return control.resources().find(zone, resourceId).flatMap(ResourceBinding::bodyInspection)
          .filter(b -> b.covers(request.headers().get("content-type")));
    } catch (GatewayException e) {
      return Optional.empty();
    }
  }

  /** Whether the Gateway can decide: the database answers and the ledger is open. */
  public boolean ready() {
    try {
      control.zones();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Decides on the calling thread (database reads, the engine), then records the decision in the
   * ledger without holding the thread while the commit is pending. The future completes once the
   * `gateway.decision` event is durable: with the grant, or exceptionally with the refusal (a
   * {@link GatewayException}; a 503 `ledger_unavailable` when an allow could not be recorded).
   */
  public CompletableFuture<Authorized> authorize(GatewayRequest request) {
    Trail trail = new Trail(request);
    Authorized authorized;
    try {
      authorized = decide(request, trail);
    } catch (GatewayException refusal) {
      trail.refusal = refusal;
      // the refusal stands whether or not it could be recorded
      return record(trail, "deny").handle((recorded, error) -> {
        throw new CompletionException(refusal);
      });
    }
    return record(trail, "allow").thenApply(recorded -> authorized);
  }

  private CompletableFuture<Void> record(Trail trail, String outcome) {
    try {
      return trail.record(this, outcome);
    } catch (RuntimeException e) { // the event could not even be built: nothing is forwarded
      return CompletableFuture.failedFuture(Trail.unrecorded());
    }
  }

  private Authorized decide(GatewayRequest request, Trail trail) throws GatewayException {
    String resourceId = request.headers().get("x-caracal-resource");
    if (resourceId == null || resourceId.isBlank()) {
      throw GatewayException.badRequest("resource_header_missing", "X-Caracal-Resource names no resource");
    }
    trail.resourceId = resourceId;
    String authorization = request.headers().get("authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw GatewayException.unauthorized("token_missing", "Authorization: Bearer <token> is required");
    }
    String token = authorization.substring(7).trim();
    String zoneId = peekZone(token);
    trail.zoneId = zoneId;
    ResourceBinding binding = control.resources().find(zoneId, resourceId)
        .orElseThrow(() -> new GatewayException(404, "not_found", "unknown_resource", "resource `" + resourceId + "` is not registered"));
    VerifiedToken verified;
    try {
      verified = verifier.verify(token, "at+jwt", resourceId);
    } catch (TokenRejected e) {
      throw GatewayException.unauthorized(e.reason(), e.getMessage());
    }
    trail.appId = verified.clientId();
    trail.sessionId = verified.sessionId();
    trail.jti = verified.jti();
    var wait = limiter.tryAcquire(zoneId + "/" + verified.clientId());
    if (wait.isPresent()) {
      throw GatewayException.tooManyRequests(Math.max(1, (long) Math.ceil(wait.get().toMillis() / 1000.0)));
    }
    Instant now = clock.instant();
    SessionStore.Checked checked = control.sessions().findChecked(verified.sessionId(), verified.jti())
        .orElseThrow(() -> GatewayException.unauthorized("session_unknown", "the token's session does not exist"));
    SessionRecord session = checked.session();
    if (session.terminatedAt().isPresent()) {
      throw GatewayException.unauthorized("session_revoked", "the token's session has been terminated");
    }
    if (!now.isBefore(session.expiresAt())) {
      throw GatewayException.unauthorized("session_expired", "the token's session has expired");
    }
    if (checked.tokenRevoked()) {
      throw GatewayException.unauthorized("token_revoked", "the token has been revoked");
    }
    Application app = control.app(verified.clientId());
    if (!app.enabled()) {
      throw GatewayException.unauthorized("app_disabled", "the token's application is disabled");
    }
    String path = UpstreamPath.decodedPath(request.target());
    List<String> tokenScopes = verified.scopes();
    List<String> candidates;
    if (!binding.operations().isEmpty()) {
      ResourceBinding.Operation op = OperationMatcher.match(binding.operations(), request.method(), path)
          .orElseThrow(() -> GatewayException.forbidden("operation_not_declared",
              request.method() + " " + path + " is not an operation of `" + resourceId + "`"));
      if (!tokenScopes.contains(op.scope())) {
        throw GatewayException.forbidden("scope_not_in_token", "this operation needs scope `" + op.scope() + "`, which the token lacks");
      }
      candidates = List.of(op.scope());
    } else {
      candidates = tokenScopes;
    }
    if (candidates.isEmpty()) {
      throw GatewayException.forbidden("no_scopes_requested", "the token carries no scope");
    }
    ZonePolicies policies = control.active().forZone(zoneId);
    if (policies.active().isEmpty()) {
      trail.reasons = List.of(ReasonCode.NO_ACTIVE_POLICY_SET.id());
      throw GatewayException.forbidden(ReasonCode.NO_ACTIVE_POLICY_SET.id(), "the zone has no active policy set");
    }
    DecisionInput input = input(request, app, session, binding, candidates, path, now);
    List<String> used = new ArrayList<>();
    for (String scope : candidates) {
      Decision d = policies.active().get().decide(input.withRequest(input.request().toBuilder().clearScopes().addScopes(scope).build()));
      trail.decisions.add(d);
      if (d.allowed()) {
        used.add(scope);
        if (!binding.operations().isEmpty() || used.size() == 1) {
          break;
        }
      }
    }
    if (used.isEmpty()) {
      Decision last = trail.decisions.get(trail.decisions.size() - 1);
      String reason = last.reasons().isEmpty() ? "denied" : last.reasons().get(0).id();
      throw GatewayException.forbidden(reason, "policy denied the request (see `caracal explain " + request.requestId() + "`)");
    }
    trail.scopesUsed = used;
    URI upstream = binding.upstream().map(URI::create)
        .orElseThrow(() -> new GatewayException(502, "bad_gateway", "upstream_missing", "resource `" + resourceId + "` has no upstream"));
    String upstreamPath = UpstreamPath.join(upstream, request.target());
    return new Authorized(zoneId, app.id(), session.id(), verified.jti(), resourceId, upstream, guard.resolve(upstream),
        upstreamPath, binding.hasUpstreamCredential() ? control.resources().credential(zoneId, resourceId) : Optional.empty(), used);
  }

  private DecisionInput input(GatewayRequest request, Application app, SessionRecord session, ResourceBinding binding,
      List<String> scopes, String path, Instant now) throws GatewayException {
    Map<String, String> headers = new LinkedHashMap<>();
    request.headers().forEach((k, v) -> {
      if (!HIDDEN_HEADERS.contains(k) && !k.startsWith("x-caracal-")) {
        headers.put(k, v);
      }
    });
    Request.Builder req = Request.newBuilder().setPhase("request").addAllScopes(scopes)
        .setMethod(request.method()).setPath(path).putAllHeaders(headers);
    if (request.body().isPresent()) {
      req.setBody(jsonBody(request.body().get()));
    }
    int q = request.target().indexOf('?');
    if (q >= 0) {
      io.netty.handler.codec.http.QueryStringDecoder decoder = new io.netty.handler.codec.http.QueryStringDecoder(request.target());
      decoder.parameters().forEach((k, v) -> req.putQuery(k, v.isEmpty() ? "" : v.get(0)));
    }
    return new DecisionInput(DecisionInputs.principal(app), DecisionInputs.session(session),
        DecisionInputs.delegation(session, control.sessions()), binding.toInput(), req.build(),
        Context.newBuilder().setTraceId(request.traceId()).setClientIp(request.clientIp()).build(), now);
  }

  /** An inspected body as a JSON value; a body that is not JSON is refused. */
  private static com.google.protobuf.Value jsonBody(byte[] body) throws GatewayException {
    if (body.length == 0) {
      return com.google.protobuf.Value.getDefaultInstance();
    }
    try {
      com.google.protobuf.Value.Builder value = com.google.protobuf.Value.newBuilder();
      com.google.protobuf.util.JsonFormat.parser().merge(new String(body, java.nio.charset.StandardCharsets.UTF_8), value);
      return value.build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw GatewayException.badRequest("invalid_body", "the request body is not valid JSON");
    }
  }

  /** The zone a token claims, read before verification only to find the resource binding. */
  private static String peekZone(String token) throws GatewayException {
    try {
      // any JWT form, so that an unsecured (`alg: none`) token reaches the verifier and is refused as such
      JWTClaimsSet claims = JWTParser.parse(token).getJWTClaimsSet();
      if (claims != null && claims.getClaim("zone") instanceof String z && !z.isBlank()) {
        return z;
      }
    } catch (java.text.ParseException e) {
      throw GatewayException.unauthorized("token_malformed", "token is not a signed jwt");
    }
    throw GatewayException.unauthorized("token_malformed", "token names no zone");
  }

  /** What the decision event records, filled in as the checks proceed. */
  private static final class Trail {
    final GatewayRequest request;
    String resourceId = "";
    String zoneId = "";
    String appId;
    String sessionId;
    String jti;
    List<String> scopesUsed = List.of();
    List<String> reasons = List.of();
    final List<Decision> decisions = new ArrayList<>();
    GatewayException refusal;

    Trail(GatewayRequest request) {
      this.request = request;
    }

    /** The `gateway.decision` event, appended; the future completes when it is durable. */
    CompletableFuture<Void> record(GatewayAuthorizer g, String outcome) {
      ObjectNode explanation = Json.MAPPER.createObjectNode();
      explanation.put("gateway", outcome);
      explanation.put("method", request.method());
      explanation.put("path", UpstreamPath.decodedPath(request.target()));
      explanation.put("resource", resourceId);
      if (appId != null) {
        explanation.putObject("principal").put("app", appId);
      }
      if (sessionId != null) {
        explanation.putObject("session").put("id", sessionId);
      }
      if (!scopesUsed.isEmpty()) {
        scopesUsed.forEach(explanation.putArray("scopesUsed")::add);
      }
      if (refusal != null) {
        explanation.put("status", refusal.status());
        explanation.put("reason", refusal.reason());
        explanation.put("message", refusal.getMessage());
      }
      if (!decisions.isEmpty()) {
        explanation.set("decision", DecisionJson.toJson(decisions.get(decisions.size() - 1)));
        if (decisions.size() > 1) {
          decisions.forEach(d -> explanation.withArray("decisions").add(DecisionJson.toJson(d)));
        }
      } else if (!reasons.isEmpty()) {
        explanation.putObject("decision").put("decision", "deny").putArray("reasons").add(reasons.get(0));
      }
      var event = g.control.audit().ledger().newEvent("gateway.decision")
          .requestId(request.requestId()).traceId(request.traceId()).zone(zoneId).resource(resourceId)
          .decision(outcome.equals("allow") ? run.caracal.ledger.event.Decision.ALLOW : run.caracal.ledger.event.Decision.DENY)
          .explanation(explanation.toString());
      if (appId != null) {
        event.app(appId).actor(appId);
      }
      if (sessionId != null) {
        event.sessionId(sessionId);
      }
      if (jti != null) {
        event.token(Fingerprint.of(jti));
      }
      g.control.metrics().decision("gateway", outcome.equals("allow"),
          refusal != null ? refusal.reason() : "allowed_by_rule");
      long started = System.nanoTime();
      CompletableFuture<Void> durable = new CompletableFuture<>();
      try {
        g.control.audit().ledger().append(event.build()).orTimeout(10, TimeUnit.SECONDS).whenComplete((appended, error) -> {
          if (error == null) {
            g.control.metrics().ledgerAppended(java.time.Duration.ofNanos(System.nanoTime() - started));
            durable.complete(null);
          } else {
            durable.completeExceptionally(unrecorded());
          }
        });
      } catch (RuntimeException e) {
        durable.completeExceptionally(unrecorded());
      }
      return durable;
    }

    private static GatewayException unrecorded() {
      return new GatewayException(503, "unavailable", "ledger_unavailable", "the decision could not be recorded; nothing was forwarded");
    }
  }
}
