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
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import run.caracal.control.ControlPlane;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.db.Json;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.AppReads;
import run.caracal.control.pipeline.Approvals;
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
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.McpMethods;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.mcp.ListFilter;
import run.caracal.gateway.mcp.ListedItems;
import run.caracal.gateway.mcp.McpMessage;
import run.caracal.gateway.mcp.McpRoute;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.net.UpstreamPath;
import run.caracal.policy.input.Mcp;
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
  /** Most bytes of a body read to bind an approval to it, for a resource without body inspection. */
  public static final int APPROVAL_BODY_LIMIT = 1 << 20;
  /** How long an agent waits before asking about a pending approval again (`Retry-After` of `/.caracal/approvals/{id}`). */
  public static final long APPROVAL_POLL_SECONDS = AgentApprovals.PENDING_RETRY_SECONDS;
  /**
   * Where a held request opens its approval. The decision's future completes on the ledger's
   * writer thread once the record commits; opening an approval writes its own ledger event and
   * waits for that commit, which the writer thread cannot make while it waits.
   */
  private static final Executor APPROVAL_THREADS = approvalThreads();

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
  private volatile Optional<ApprovalStore> approvals = Optional.empty();
  private final AgentApprovals agentApprovals;

  public GatewayAuthorizer(ControlPlane control, TokenVerifier verifier, UpstreamGuard guard, Clock clock, RateLimiter limiter) {
    this(control.pipeline(), control.resources(), control.sessions(), control.appReads(), verifier, guard, clock, limiter,
        control.metrics(), control.tracing());
    this.approvals = Optional.of(control.approvals());
  }

  /** Requests a `require_approval` rule holds are held in {@code store} (without one they are refused as held, with no approval to ask for). */
  public GatewayAuthorizer withApprovals(ApprovalStore store) {
    this.approvals = Optional.of(store);
    return this;
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
    this.agentApprovals = new AgentApprovals(verifier, sessions, apps, limiter, clock);
  }

  private static Executor approvalThreads() {
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "caracal-gateway-approval-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * The approval {@code approvalId} as the agent whose request it holds sees it (`GET
   * /.caracal/approvals/{id}`): its state, expiry and decision time, told only to a token of the
   * approval's zone, app and root session. Blocking reads: run it off the event loop.
   *
   * @throws GatewayException 401 for a missing or unusable token, 429 past the rate limit, 404
   *     `approval_unknown` for an approval that is not the caller's (or does not exist)
   */
  public Map<String, Object> approvalStatus(String authorization, String approvalId) throws GatewayException {
    return agentApprovals.status(approvals, authorization, approvalId);
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
   * How many bytes of this request's body to read before deciding, when the decision needs the
   * body: a POST to an MCP resource (its JSON-RPC message), a body of a content type the
   * resource inspects, or any body of a request the zone's policies may hold for approval (the
   * approval binds the body's SHA-256; up to {@value #APPROVAL_BODY_LIMIT} bytes, 413 beyond).
   * Empty when the body streams, or the request cannot be routed yet (the refusal comes from
   * {@link #authorize}).
   */
  public OptionalInt bufferLimit(GatewayRequest request) {
    Optional<McpRoute> route = McpRoute.of(request.target());
    String resourceId = request.headers().getOrDefault("x-caracal-resource", route.map(McpRoute::resourceId).orElse(null));
    String authorization = request.headers().get("authorization");
    if (resourceId == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return OptionalInt.empty();
    }
    try {
      // verified once: the verifier caches the result, so the decision that follows does not verify again
      String zone = verifier.verifyAnyAudience(authorization.substring(7).trim(), "at+jwt").zone();
      Optional<ResourceBinding> binding = resources.find(zone, resourceId);
      if (binding.isEmpty()) {
        return OptionalInt.empty();
      }
      if (binding.get().mcp().isPresent()) {
        return request.method().equals("POST") ? OptionalInt.of(binding.get().mcp().get().maxBodyBytes()) : OptionalInt.empty();
      }
      OptionalInt inspected = binding.get().bodyInspection().filter(b -> b.covers(request.headers().get("content-type")))
          .map(b -> OptionalInt.of(b.maxBytes())).orElse(OptionalInt.empty());
      if (inspected.isPresent() || !mayHaveBody(request) || !pipeline.holdsForApproval(zone, resourceId)) {
        return inspected;
      }
      // an approval binds the body's digest: read it before deciding
      return OptionalInt.of(APPROVAL_BODY_LIMIT);
    } catch (TokenRejected e) {
      return OptionalInt.empty();
    }
  }

  private static boolean mayHaveBody(GatewayRequest request) {
    String length = request.headers().get("content-length");
    return request.headers().containsKey("transfer-encoding") || (length != null && !length.trim().equals("0"));
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
      // a held request opens its approval off the thread that completed the decision (the ledger's writer)
      return tracing.decision(() -> pipeline.decide(attempt)).thenCompose(outcome -> checked.opensApproval(outcome)
          ? CompletableFuture.supplyAsync(() -> checked.answer(outcome), APPROVAL_THREADS)
          : CompletableFuture.completedFuture(checked.answer(outcome)));
    } catch (GatewayException refusal) {
      Reason reason = Reason.fromId(refusal.reason()).orElse(Reason.MALFORMED_REQUEST);
      Request.Builder recorded = checked.requestBase();
      if (checked.mcpInput != null) {
        recorded.setMcp(checked.mcpInput);
      }
      return tracing.decision(() -> pipeline.refuse(request.requestId(), request.traceId(), request.clientIp(), Phase.REQUEST,
              checked.zoneId, Optional.ofNullable(checked.appId), Optional.ofNullable(checked.sessionId),
              Optional.ofNullable(checked.jti), checked.resourceId, checked.call(), recorded.build(),
              new Attempt.Refusal(reason, refusal.getMessage()), checked::answeredStatus))
          .thenApply(outcome -> {
            throw new CompletionException(outcome instanceof Outcome.Unrecorded u ? unrecorded(u) : checked.mcpRefusal(refusal));
          });
    } catch (RuntimeException e) { // a read failed: nothing is decided, nothing forwarded
      return CompletableFuture.failedFuture(GatewayException.of(Reason.GATEWAY_UNAVAILABLE,
          "the gateway could not decide; nothing was forwarded"));
    }
  }

  /** The token of a `Bearer` authorization; 401 `token_missing` without one. */
  static String bearer(String authorization) throws GatewayException {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw GatewayException.of(Reason.TOKEN_MISSING, "Authorization: Bearer <token> is required");
    }
    return authorization.substring(7).trim();
  }

  /** A token the verifier refused, as the Gateway answers it (401 with the verifier's reason). */
  static GatewayException rejected(TokenRejected e) {
    return GatewayException.of(Reason.fromId(e.reason()).orElse(Reason.TOKEN_MALFORMED), e.getMessage());
  }

  /** 429 `rate_limited` with the seconds to wait once the app is past its rate in the zone. */
  static void throttle(RateLimiter limiter, String zoneId, String clientId) throws GatewayException {
    Optional<Duration> wait = limiter.tryAcquire(zoneId + "/" + clientId);
    if (wait.isPresent()) {
      throw GatewayException.tooManyRequests(Math.max(1, (long) Math.ceil(wait.get().toMillis() / 1000.0)));
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
    String neededScope;
    RequestApprovals held;
    final Optional<McpRoute> route;
    McpMessage message;
    Mcp mcpInput;

    Checked(GatewayRequest request) {
      this.request = request;
      this.path = UpstreamPath.decodedPath(request.target());
      this.route = McpRoute.of(request.target());
    }

    boolean isMcp() {
      return route.isPresent() || binding != null && binding.mcp().isPresent();
    }

    /**
     * An MCP client's refusal: a token problem is a 401 pointing at the resource's RFC 9728
     * metadata; a missing scope a 403 `insufficient_scope` naming it; a refused request message
     * a JSON-RPC error response (a policy refusal in a 200, so the client reads `error.data`).
     */
    GatewayException mcpRefusal(GatewayException e) {
      if (!isMcp() || e.jsonRpc().isPresent() && e.status() != 403) {
        return e;
      }
      String metadata = metadataUrl();
      if (e.status() == 401) {
        return e.withChallenge("Bearer error=\"invalid_token\", resource_metadata=\"" + metadata + "\"");
      }
      String id = message == null || !message.isRequest() ? null : message.idJson().orElse(null);
      if (e.reason().equals(Reason.SCOPE_NOT_IN_TOKEN.id()) && neededScope != null) {
        e.withChallenge("Bearer error=\"insufficient_scope\", scope=\"" + neededScope + "\", resource_metadata=\"" + metadata + "\"");
        return id == null ? e : e.asJsonRpc(id, McpMessage.FORBIDDEN);
      }
      if (id == null) {
        return e;
      }
      boolean refusedCall = e.status() == 403;
      return e.asJsonRpc(id, McpMessage.FORBIDDEN, refusedCall ? 200 : e.status());
    }

    /** The status a refusal for {@code reason} is answered with, for its record (see {@link #mcpRefusal}). */
    int answeredStatus(Reason reason) {
      GatewayException answer = mcpRefusal(GatewayException.of(reason, ""));
      return answer.jsonRpc().map(GatewayException.JsonRpc::httpStatus).orElse(answer.status());
    }

    /** The RFC 9728 metadata URL of this MCP resource, on the host the client used. */
    String metadataUrl() {
      String name = route.map(McpRoute::name).orElse(resourceId.replaceFirst("^[a-z][a-z0-9+.-]*://", ""));
      return publicBase(request.headers()) + McpRoute.METADATA_PREFIX + name;
    }

    Call call() {
      return Call.http(request.method(), path);
    }

    Attempt attempt() throws GatewayException {
      String resource = request.headers().getOrDefault("x-caracal-resource", route.map(McpRoute::resourceId).orElse(null));
      if (resource == null || resource.isBlank()) {
        throw GatewayException.of(Reason.RESOURCE_HEADER_MISSING, "X-Caracal-Resource names no resource");
      }
      resourceId = resource;
      String token = bearer(request.headers().get("authorization"));
      Span verifying = tracing.child("caracal.token.verify");
      try {
        verified = verifier.verifyAnyAudience(token, "at+jwt");
      } catch (TokenRejected e) {
        verifying.setStatus(StatusCode.ERROR, e.reason());
        throw rejected(e);
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
      throttle(limiter, zoneId, appId);
      upstream = binding.upstream().map(URI::create)
          .orElseThrow(() -> GatewayException.of(Reason.UPSTREAM_MISSING, "resource `" + resourceId + "` has no upstream"));
      if (route.isPresent() && binding.mcp().isEmpty()) {
        throw GatewayException.of(Reason.NOT_AN_MCP_RESOURCE, "`" + resourceId + "` is not an MCP server (protocol mcp)");
      }
      upstreamPath = route.isPresent() && request.headers().get("x-caracal-resource") == null
          ? UpstreamPath.joinMcp(upstream, route.get().rest()) : UpstreamPath.join(upstream, request.target());
      address = guard.resolve(upstream);
      Request.Builder req = requestBase();
      if (binding.mcp().isPresent()) {
        return mcpAttempt(req);
      }
      if (request.body().isPresent()) {
        req.setBody(jsonBody(request.body().get()));
      }
      boolean operations = !binding.operations().isEmpty();
      return new Attempt(request.requestId(), request.traceId(), request.clientIp(), Phase.REQUEST, zoneId, appId,
          new Attempt.SessionRef.Existing(sessionId, Optional.of(jti)), resourceId, Optional.of(binding), call(),
          req.addAllScopes(verified.scopes()).build(), operations ? ScopeMatch.ALL : ScopeMatch.ANY, (session, scopes) -> bounds(scopes),
          held());
    }

    /** How this request finds its approval, when the Gateway keeps approvals. */
    private Approvals held() {
      if (approvals.isEmpty()) {
        return Approvals.NONE;
      }
      held = new RequestApprovals(approvals.get(), zoneId, request.requestId(), appId, request.body());
      return held;
    }

    /**
     * An MCP message: read from the POSTed body (the mirrored headers checked against it), or,
     * for `GET` (the server's stream) and `DELETE` (ending a session), a message-less plumbing
     * request. A tool call needs its declared tool's scope; otherwise any scope of the token may
     * allow it. The body itself is not part of the input: `request.mcp` carries what policies read.
     */
    private Attempt mcpAttempt(Request.Builder req) throws GatewayException {
      Mcp.Builder mcp = Mcp.newBuilder();
      if (request.method().equals("POST")) {
        message = McpMessage.parse(request.body().orElse(new byte[0]));
        message.checkMirroredHeaders(request.headers());
        mcp = message.toInput(request.headers()).toBuilder();
      } else {
        mcp.setProtocolVersion(request.headers().getOrDefault("mcp-protocol-version", ""));
      }
      mcpInput = mcp.build();
      req.setMcp(mcpInput);
      Span span = Span.current(); // the request's span: the message is known here, no need to read it back from the record
      if (span.isRecording()) {
        span.setAttribute(Tracing.MCP_METHOD, mcpInput.getMethod());
        if (!mcpInput.getTool().isEmpty()) {
          span.setAttribute(Tracing.MCP_TOOL, mcpInput.getTool());
        }
      }
      ResourceBinding.Mcp settings = binding.mcp().get();
      boolean declaredTool = message != null && message.method().equals(McpMethods.TOOLS_CALL) && !settings.tools().isEmpty();
      return new Attempt(request.requestId(), request.traceId(), request.clientIp(), Phase.REQUEST, zoneId, appId,
          new Attempt.SessionRef.Existing(sessionId, Optional.of(jti)), resourceId, Optional.of(binding), call(),
          req.addAllScopes(verified.scopes()).build(), declaredTool ? ScopeMatch.ALL : ScopeMatch.ANY,
          (session, scopes) -> mcpBounds(settings, scopes), held(), this::answeredStatus);
    }

    /** With declared tools, a call maps to its tool's one scope, which the token must hold; an undeclared tool is refused. */
    private Bounded mcpBounds(ResourceBinding.Mcp settings, List<String> tokenScopes) {
      if (tokenScopes.isEmpty()) {
        return Bounded.outside(Reason.NO_SCOPES_REQUESTED, "the token carries no scope");
      }
      if (message == null || !message.method().equals(McpMethods.TOOLS_CALL) || settings.tools().isEmpty()) {
        return Bounded.within(tokenScopes);
      }
      String tool = mcpInput.getTool();
      Optional<ResourceBinding.Tool> declared = settings.tool(tool);
      if (declared.isEmpty()) {
        return Bounded.outside(Reason.TOOL_NOT_DECLARED, "tool `" + tool + "` is not declared by `" + resourceId + "`");
      }
      if (!tokenScopes.contains(declared.get().scope())) {
        neededScope = declared.get().scope();
        return Bounded.outside(Reason.SCOPE_NOT_IN_TOKEN, "tool `" + tool + "` needs scope `" + neededScope + "`, which the token lacks");
      }
      return Bounded.within(List.of(declared.get().scope()));
    }

    /** For a list request, the filter that shows the caller only what a call could be allowed for. */
    private Optional<ListFilter> listFilter(Outcome.Granted granted) {
      if (message == null || !message.isRequest() || !ListFilter.filters(message.method())) {
        return Optional.empty();
      }
      return Optional.of(new ListFilter(message.method(), message.id(), mcpInput.getProtocolVersion(),
          new ListedItems(pipeline, zoneId, binding.mcp().get(), verified.scopes(), granted.input(), message.method())));
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

    /**
     * A held request: the open approval of exactly this request (a new pending one, or the one
     * identical requests share), named in the refusal; `approval_denied` once an approver denied it.
     */
    private GatewayException holdForApproval(Outcome.Refused refused) {
      Decision decision = refused.record().decision().orElseThrow();
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("method", request.method());
      summary.put("path", path);
      summary.put("scopes", decision.requested());
      refused.record().input().map(i -> i.tree().path("request").path("mcp")).filter(m -> m.isObject())
          .ifPresent(m -> summary.put("mcp", Json.MAPPER.convertValue(m, Map.class)));
      summary.put("rules", decision.approvals().stream().map(a -> a.policy() + "/" + a.rule()).toList());
      Approval approval = approvals.get().hold(new ApprovalStore.Hold(zoneId, held.digest(), appId, Optional.ofNullable(sessionId),
          resourceId, summary, decision.approvalTtl().orElseThrow(),
          decision.approvalReuse().filter(r -> r.id().equals(Approval.Reuse.UNTIL_EXPIRY.id())).isPresent()
              ? Approval.Reuse.UNTIL_EXPIRY : Approval.Reuse.ONCE,
          decision.approvals().stream().flatMap(a -> a.approval().approvers().stream()).distinct().toList(), request.requestId(),
          decision.approvals().stream().filter(a -> !a.approval().anyApprover()).map(a -> a.approval().approvers()).toList()));
      if (approval.state() == Approval.State.DENIED) {
        return GatewayException.of(Reason.APPROVAL_DENIED, "an approver denied this request (approval " + approval.id() + ")")
            .withApproval(approval.id());
      }
      return GatewayException.of(Reason.APPROVAL_REQUIRED, "this request waits for a person's approval: `caracal approvals approve "
          + approval.id() + "`; repeat the identical request once it is approved").withApproval(approval.id());
    }

    /** Whether answering {@code outcome} opens (or finds) the approval of a held request: database writes and a ledger append. */
    boolean opensApproval(Outcome outcome) {
      return outcome instanceof Outcome.Refused refused && refused.reason() == Reason.APPROVAL_REQUIRED && held != null
          && held.digest() != null;
    }

    Authorized answer(Outcome outcome) {
      if (outcome instanceof Outcome.Granted granted) {
        return new Authorized(zoneId, appId, sessionId, jti, resourceId, upstream, address, upstreamPath,
            binding.hasUpstreamCredential() ? resources.credential(zoneId, resourceId) : Optional.empty(), granted.granted(),
            listFilter(granted));
      }
      if (outcome instanceof Outcome.Refused refused) {
        if (opensApproval(refused)) {
          throw new CompletionException(mcpRefusal(holdForApproval(refused)));
        }
        throw new CompletionException(mcpRefusal(GatewayException.of(refused.reason(), refused.message())));
      }
      throw new CompletionException(unrecorded((Outcome.Unrecorded) outcome));
    }
  }

  /**
   * The Gateway's base URL as the client reached it: `https` when a TLS-terminating proxy says so
   * (`X-Forwarded-Proto`), the `Host` the client sent.
   */
  static String publicBase(Map<String, String> headers) {
    String scheme = "https".equalsIgnoreCase(headers.getOrDefault("x-forwarded-proto", "")) ? "https" : "http";
    return scheme + "://" + headers.getOrDefault("host", "localhost");
  }

  /**
   * RFC 9728 protected-resource metadata for the MCP resource {@code /mcp/{name}}: the resource's
   * URL as the client reaches it and the STS as its authorization server (not rewritten: clients
   * check the authorization server's issuer against this URL).
   */
  public Map<String, Object> protectedResourceMetadata(String name, Map<String, String> headers) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("resource", publicBase(headers) + McpRoute.PREFIX + name);
    metadata.put("authorization_servers", List.of(verifier.issuer()));
    metadata.put("bearer_methods_supported", List.of("header"));
    metadata.put("resource_name", "resource://" + name);
    return metadata;
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
