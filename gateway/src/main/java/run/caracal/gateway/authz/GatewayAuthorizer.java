package run.caracal.gateway.authz;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import run.caracal.control.ControlPlane;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.AppReads;
import run.caracal.control.pipeline.Attempt.Bounded;
import run.caracal.control.pipeline.Attempt;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.Liveness;
import run.caracal.control.pipeline.Outcome;
import run.caracal.control.pipeline.ResourceReads;
import run.caracal.control.pipeline.SessionReads;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.token.TokenRejected;
import run.caracal.control.token.TokenVerifier;
import run.caracal.control.token.VerifiedToken;
import run.caracal.control.trace.Tracing;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.net.UpstreamPath;
import run.caracal.policy.input.Request;

/**
 * Decides one Gateway request. The Gateway's own checks come first: the resource header, the
 * bearer token and its verification (signature, type, issuer, times; the zone is read from the
 * verified claims, once), the resource binding in that zone, the token's audience = this resource,
 * the rate limit, the upstream, the body. Then the
 * {@link DecisionPipeline} (liveness of the session and the `jti`, never cached; the app still
 * enabled; the operation mapping as the request's bounds; the engine at phase `request` with
 * the active and shadow sets; the `gateway.decision` record made durable). A refusal at any
 * step is recorded the same way. Blocking reads: run it off the event loop. Thread-safe.
 */
public final class GatewayAuthorizer {
  /** Headers a policy never sees (credentials), besides every `x-caracal-*`. */
  private static final List<String> HIDDEN_HEADERS = List.of("authorization", "cookie", "proxy-authorization");

  private final DecisionPipeline pipeline;
  private final ResourceReads resources;
  private final SessionReads sessions;
  private final AppReads apps;
  private final TokenVerifier verifier;
  private final UpstreamGuard guard;
  private final Clock clock;
  private final RateLimiter limiter;
  private final CaracalMetrics metrics;
  private final Tracing tracing;

  public GatewayAuthorizer(ControlPlane control, TokenVerifier verifier, UpstreamGuard guard, Clock clock, RateLimiter limiter) {
    this(control.pipeline(), control.resources(), control.sessions(), control.appReads(), verifier, guard, clock, limiter,
        control.metrics(), control.tracing());
  }

  public GatewayAuthorizer(DecisionPipeline pipeline, ResourceReads resources, SessionReads sessions, AppReads apps,
      TokenVerifier verifier, UpstreamGuard guard, Clock clock, RateLimiter limiter, CaracalMetrics metrics) {
    this(pipeline, resources, sessions, apps, verifier, guard, clock, limiter, metrics, Tracing.NOOP);
  }

  public GatewayAuthorizer(DecisionPipeline pipeline, ResourceReads resources, SessionReads sessions, AppReads apps,
      TokenVerifier verifier, UpstreamGuard guard, Clock clock, RateLimiter limiter, CaracalMetrics metrics, Tracing tracing) {
    this.pipeline = pipeline;
    this.resources = resources;
    this.sessions = sessions;
    this.apps = apps;
    this.verifier = verifier;
    this.guard = guard;
    this.clock = clock;
    this.limiter = limiter;
    this.metrics = metrics;
    this.tracing = tracing;
  }

  /** Where the Gateway's spans go. */
  public Tracing tracing() {
    return tracing;
  }

  /** The process's metrics (the Gateway records request latency there). */
  public CaracalMetrics metrics() {
    return metrics;
  }

  /**
   * Whether an authorized exchange may go on: its session (and so every ancestor) is still alive,
   * its token not revoked, its app enabled. A database failure counts as no (fail closed).
   */
  public boolean stillAuthorized(Authorized a) {
    try {
      return Liveness.check(sessions.findChecked(a.sessionId(), a.jti()), clock.instant()).isEmpty()
          && apps.find(a.appId()).map(app -> app.enabled()).orElse(false);
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
      // verified once: the verifier caches the result, so the decision that follows does not verify again
      String zone = verifier.verifyAnyAudience(authorization.substring(7).trim(), "at+jwt").zone();
      return resources.find(zone, resourceId).flatMap(ResourceBinding::bodyInspection)
          .filter(b -> b.covers(request.headers().get("content-type")));
    } catch (TokenRejected e) {
      return Optional.empty();
    }
  }

  /** Whether the Gateway can decide: the database answers. */
  public boolean ready() {
    try {
      sessions.find("");
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Decides on the calling thread (database reads, the engine), then lets go while the decision
   * record commits. The future completes once the record is durable: with the grant, or
   * exceptionally with the refusal (a {@link GatewayException}; a 503 `ledger_unavailable` when
   * the decision could not be recorded, whatever it was).
   */
  public CompletableFuture<Authorized> authorize(GatewayRequest request) {
    Checked checked = new Checked(request);
    try {
      Attempt attempt = checked.attempt();
      return tracing.decision(() -> pipeline.decide(attempt)).thenApply(outcome -> checked.answer(outcome));
    } catch (GatewayException refusal) {
      Reason reason = Reason.fromId(refusal.reason()).orElse(Reason.MALFORMED_REQUEST);
      return tracing.decision(() -> pipeline.refuse(request.requestId(), request.traceId(), request.clientIp(), Phase.REQUEST,
              checked.zoneId, Optional.ofNullable(checked.appId), Optional.ofNullable(checked.sessionId),
              Optional.ofNullable(checked.jti), checked.resourceId, checked.call(), checked.requestBase().build(),
              new Attempt.Refusal(reason, refusal.getMessage())))
          .thenApply(outcome -> {
            throw new CompletionException(outcome instanceof Outcome.Unrecorded u ? unrecorded(u) : refusal);
          });
    } catch (RuntimeException e) { // a read failed: nothing is decided, nothing forwarded
      return CompletableFuture.failedFuture(GatewayException.of(Reason.GATEWAY_UNAVAILABLE,
          "the gateway could not decide; nothing was forwarded"));
    }
  }

  private static GatewayException unrecorded(Outcome.Unrecorded outcome) {
    return GatewayException.of(outcome.reason(), outcome.message().replace("nothing was done", "nothing was forwarded"));
  }

  /** The Gateway's checks of one request, and what they found (for the record of a refusal). */
  private final class Checked {
    final GatewayRequest request;
    final String path;
    String resourceId = "";
    String zoneId = "";
    String appId;
    String sessionId;
    String jti;
    ResourceBinding binding;
    VerifiedToken verified;
    URI upstream;
    String upstreamPath;
    InetSocketAddress address;

    Checked(GatewayRequest request) {
      this.request = request;
      this.path = UpstreamPath.decodedPath(request.target());
    }

    Call call() {
      return Call.http(request.method(), path);
    }

    Attempt attempt() throws GatewayException {
      String resource = request.headers().get("x-caracal-resource");
      if (resource == null || resource.isBlank()) {
        throw GatewayException.of(Reason.RESOURCE_HEADER_MISSING, "X-Caracal-Resource names no resource");
      }
      resourceId = resource;
      String authorization = request.headers().get("authorization");
      if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw GatewayException.of(Reason.TOKEN_MISSING, "Authorization: Bearer <token> is required");
      }
      String token = authorization.substring(7).trim();
      Span verifying = tracing.child("caracal.token.verify");
      try {
        verified = verifier.verifyAnyAudience(token, "at+jwt");
      } catch (TokenRejected e) {
        verifying.setStatus(StatusCode.ERROR, e.reason());
        throw GatewayException.of(Reason.fromId(e.reason()).orElse(Reason.TOKEN_MALFORMED), e.getMessage());
      } finally {
        verifying.end();
      }
      zoneId = verified.zone();
      binding = resources.find(zoneId, resourceId)
          .orElseThrow(() -> GatewayException.of(Reason.UNKNOWN_RESOURCE, "resource `" + resourceId + "` is not registered"));
      if (verified.audience() == null || !verified.audience().contains(resourceId)) {
        throw GatewayException.of(Reason.TOKEN_AUDIENCE_INVALID, "token is not for `" + resourceId + "`");
      }
      appId = verified.clientId();
      sessionId = verified.sessionId();
      jti = verified.jti();
      Optional<Duration> wait = limiter.tryAcquire(zoneId + "/" + verified.clientId());
      if (wait.isPresent()) {
        throw GatewayException.tooManyRequests(Math.max(1, (long) Math.ceil(wait.get().toMillis() / 1000.0)));
      }
      upstream = binding.upstream().map(URI::create)
          .orElseThrow(() -> GatewayException.of(Reason.UPSTREAM_MISSING, "resource `" + resourceId + "` has no upstream"));
      upstreamPath = UpstreamPath.join(upstream, request.target());
      address = guard.resolve(upstream);
      Request.Builder req = requestBase();
      if (request.body().isPresent()) {
        req.setBody(jsonBody(request.body().get()));
      }
      boolean operations = !binding.operations().isEmpty();
      return new Attempt(request.requestId(), request.traceId(), request.clientIp(), Phase.REQUEST, zoneId, appId,
          new Attempt.SessionRef.Existing(sessionId, Optional.of(jti)), resourceId, Optional.of(binding), call(),
          req.addAllScopes(verified.scopes()).build(), operations ? ScopeMatch.ALL : ScopeMatch.ANY, (session, scopes) -> bounds(scopes));
    }

    /** With declared operations, method + path map to the one scope decided, which the token must hold. */
    private Bounded bounds(List<String> tokenScopes) {
      if (binding.operations().isEmpty()) {
        return tokenScopes.isEmpty() ? Bounded.outside(Reason.NO_SCOPES_REQUESTED, "the token carries no scope")
            : Bounded.within(tokenScopes);
      }
      Optional<ResourceBinding.Operation> op = OperationMatcher.match(binding.operations(), request.method(), path);
      if (op.isEmpty()) {
        return Bounded.outside(Reason.OPERATION_NOT_DECLARED,
            request.method() + " " + path + " is not an operation of `" + resourceId + "`");
      }
      if (!tokenScopes.contains(op.get().scope())) {
        return Bounded.outside(Reason.SCOPE_NOT_IN_TOKEN,
            "this operation needs scope `" + op.get().scope() + "`, which the token lacks");
      }
      return Bounded.within(List.of(op.get().scope()));
    }

    /** The request part of the decision input, without scopes and body. */
    Request.Builder requestBase() {
      Map<String, String> headers = new LinkedHashMap<>();
      request.headers().forEach((k, v) -> {
        if (!HIDDEN_HEADERS.contains(k) && !k.startsWith("x-caracal-")) {
          headers.put(k, v);
        }
      });
      Request.Builder req = Request.newBuilder().setPhase(Phase.REQUEST.id()).setMethod(request.method()).setPath(path)
          .putAllHeaders(headers);
      if (request.target().indexOf('?') >= 0) {
        new QueryStringDecoder(request.target()).parameters().forEach((k, v) -> req.putQuery(k, v.isEmpty() ? "" : v.get(0)));
      }
      return req;
    }

    Authorized answer(Outcome outcome) {
      if (outcome instanceof Outcome.Granted granted) {
        return new Authorized(zoneId, appId, sessionId, jti, resourceId, upstream, address, upstreamPath,
            binding.hasUpstreamCredential() ? resources.credential(zoneId, resourceId) : Optional.empty(), granted.granted());
      }
      if (outcome instanceof Outcome.Refused refused) {
        throw new CompletionException(GatewayException.of(refused.reason(), refused.message()));
      }
      throw new CompletionException(unrecorded((Outcome.Unrecorded) outcome));
    }
  }

  /** An inspected body as a JSON value; a body that is not JSON is refused. */
  private static Value jsonBody(byte[] body) throws GatewayException {
    if (body.length == 0) {
      return Value.getDefaultInstance();
    }
    try {
      Value.Builder value = Value.newBuilder();
      JsonFormat.parser().merge(new String(body, StandardCharsets.UTF_8), value);
      return value.build();
    } catch (InvalidProtocolBufferException e) {
      throw GatewayException.of(Reason.INVALID_BODY, "the request body is not valid JSON");
    }
  }

}
