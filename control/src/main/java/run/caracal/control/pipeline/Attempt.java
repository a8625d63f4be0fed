package run.caracal.control.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Request;

/**
 * One request an edge asks the pipeline to decide, translated from its protocol.
 *
 * @param requestId the request id (the record's)
 * @param traceId the trace id, or empty
 * @param clientIp the client address, or empty
 * @param phase `issue` (STS) or `request` (Gateway)
 * @param zoneId the zone the request is decided in
 * @param appId the application asking
 * @param session how the session is found: an existing one by id (with the token's `jti`, when
 *     a token was presented), or a one-shot session the edge opens only when the request is granted
 * @param resourceId the resource asked for
 * @param binding the resource's registration, when it is registered
 * @param call what was asked at the edge (for the record)
 * @param request the request part of the decision input (scopes, and at phase `request` the call)
 * @param scopeMatch whether all requested scopes or any one must be granted
 * @param bounds the edge's checks of the request against the live session (scopes and
 *     resources within it), run after liveness and before the engine
 * @param approvals where a request a `require_approval` rule holds finds its approval
 * @param answer the status the edge answers a refusal with, for the record (the phase's protocol
 *     status, {@link Answer#of(Phase)}, unless the edge says otherwise: an MCP policy refusal is a
 *     JSON-RPC error in a 200)
 */
public record Attempt(
    String requestId, String traceId, String clientIp, Phase phase, String zoneId, String appId, SessionRef session,
    String resourceId, Optional<ResourceBinding> binding, Call call, Request request, ScopeMatch scopeMatch, Bounds bounds,
    Approvals approvals, Answer answer) {
  /** An attempt answered in its phase's protocol. */
  public Attempt(String requestId, String traceId, String clientIp, Phase phase, String zoneId, String appId, SessionRef session,
      String resourceId, Optional<ResourceBinding> binding, Call call, Request request, ScopeMatch scopeMatch, Bounds bounds,
      Approvals approvals) {
    this(requestId, traceId, clientIp, phase, zoneId, appId, session, resourceId, binding, call, request, scopeMatch, bounds,
        approvals, null);
  }

  /** An attempt whose held requests stay held ({@link Approvals#NONE}). */
  public Attempt(String requestId, String traceId, String clientIp, Phase phase, String zoneId, String appId, SessionRef session,
      String resourceId, Optional<ResourceBinding> binding, Call call, Request request, ScopeMatch scopeMatch, Bounds bounds) {
    this(requestId, traceId, clientIp, phase, zoneId, appId, session, resourceId, binding, call, request, scopeMatch, bounds,
        Approvals.NONE, null);
  }

  public Attempt {
    Objects.requireNonNull(requestId, "requestId");
    traceId = Objects.requireNonNullElse(traceId, "");
    clientIp = Objects.requireNonNullElse(clientIp, "");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(zoneId, "zoneId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(resourceId, "resourceId");
    Objects.requireNonNull(request, "request");
    scopeMatch = Objects.requireNonNullElse(scopeMatch, ScopeMatch.ALL);
    bounds = Objects.requireNonNullElse(bounds, Bounds.NONE);
    approvals = Objects.requireNonNullElse(approvals, Approvals.NONE);
    answer = Objects.requireNonNullElse(answer, Answer.of(phase));
  }

  /** The HTTP status an edge answers a refusal with. */
  @FunctionalInterface
  public interface Answer {
    int status(Reason reason);

    /** The protocol's own: the STS's OAuth status at phase `issue`, the Gateway's HTTP status at `request`. */
    static Answer of(Phase phase) {
      return phase == Phase.ISSUE ? Reason::oauthStatus : Reason::httpStatus;
    }
  }

  /** The session a request belongs to. */
  public sealed interface SessionRef {
    /**
     * An existing session, checked for liveness; {@code tokenId} is the `jti` the decision
     * concerns: the presented token's at the Gateway, the one a grant will issue at the STS.
     */
    record Existing(String id, Optional<String> tokenId) implements SessionRef {}

    /** A one-shot session (`client_credentials`) that the edge stores only once the request is granted. */
    record OneShot(SessionRecord session, Optional<String> tokenId) implements SessionRef {}

    /** The `jti` the decision concerns, when there is one. */
    Optional<String> tokenId();
  }

  /** An edge's checks of a request against the live session. */
  @FunctionalInterface
  public interface Bounds {
    Bounds NONE = (session, requested) -> Bounded.within(requested);

    /** The scopes to decide (the requested ones, or the session's when none were), or the refusal. */
    Bounded check(SessionRecord session, List<String> requested);
  }

  /** What {@link Bounds} found: the scopes to decide, or why the request oversteps the session. */
  public record Bounded(List<String> scopes, Optional<Refusal> refusal) {
    public Bounded {
      scopes = List.copyOf(scopes);
    }

    public static Bounded within(List<String> scopes) {
      return new Bounded(scopes, Optional.empty());
    }

    public static Bounded outside(Reason reason, String message) {
      return new Bounded(List.of(), Optional.of(new Refusal(reason, message)));
    }
  }

  /** A refusal with the message the client is shown (no internal text). */
  public record Refusal(Reason reason, String message) {}

  /** The scopes asked for. */
  public List<String> scopes() {
    return request.getScopesList();
  }
}
