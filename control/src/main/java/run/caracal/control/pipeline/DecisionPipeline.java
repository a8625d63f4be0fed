package run.caracal.control.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.app.Application;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.Attempt.Bounded;
import run.caracal.control.pipeline.Attempt.Refusal;
import run.caracal.control.pipeline.Attempt.SessionRef;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.DecisionInputs;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Hop;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.InputMasker;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.ledger.LedgerException;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.model.Verdict;

/**
 * The one way every caller of the engine decides: liveness of the session (and so of its
 * ancestors: ending a session ends its descendants, and a child never outlives its parent) and
 * of the token's `jti` → the application still enabled → the edge's bounds → the zone's active
 * set (none: the engine's `no_active_policy_set` decision) and shadow set → the
 * {@link DecisionRecord} made durable → an {@link Outcome}. Requests an edge refuses before
 * (malformed, bad token) are recorded through {@link #refuse} the same way. Nothing else is
 * persisted here: side effects (a one-shot session, a token, forwarding) are the edge's, after
 * a {@link Outcome.Granted}. Blocking reads on the calling thread; the commit is awaited
 * asynchronously. Thread-safe.
 */
public final class DecisionPipeline {
  private static final int MAX_CACHED_DELEGATIONS = 100_000;

  private final SessionReads sessions;
  private final AppReads apps;
  private final PolicySets policies;
  private final DecisionLog log;
  private final InputMasker masker;
  private final Clock clock;
  private final CaracalMetrics metrics;
  private final Map<String, Delegation> delegations = new ConcurrentHashMap<>();

  public DecisionPipeline(SessionReads sessions, AppReads apps, PolicySets policies, DecisionLog log, InputMasker masker,
      Clock clock, CaracalMetrics metrics) {
    this.sessions = sessions;
    this.apps = apps;
    this.policies = policies;
    this.log = log;
    this.masker = masker;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * The delegation chain of a session, read once per session: ancestors and the parent's scopes
   * never change (their liveness is not part of it: ending a session ends its descendants, which
   * the session's own row shows on every request).
   */
  private Delegation delegation(SessionRecord session) {
    if (session.depth() == 0) {
      return DecisionInputs.delegation(session, sessions);
    }
    Delegation known = delegations.get(session.id());
    if (known == null) {
      known = DecisionInputs.delegation(session, sessions);
      if (delegations.size() >= MAX_CACHED_DELEGATIONS) {
        delegations.clear();
      }
      delegations.put(session.id(), known);
    }
    return known;
  }

  /** Decides an attempt; the future completes once its record is durable (never exceptionally). */
  public CompletableFuture<Outcome> decide(Attempt attempt) {
    Instant now = clock.instant();
    Optional<Application> app = apps.find(attempt.appId());
    Optional<SessionRecord> session = Optional.empty();
    Refusal refusal = null;
    if (attempt.session() instanceof SessionRef.Existing existing) {
      Optional<SessionStore.Checked> checked = sessions.findChecked(existing.id(), existing.tokenId().orElse(""));
      session = checked.map(SessionStore.Checked::session);
      refusal = liveness(checked, now);
    } else {
      session = Optional.of(((SessionRef.OneShot) attempt.session()).session());
    }
    if (refusal == null && (app.isEmpty() || !app.get().enabled())) {
      refusal = app.isEmpty() ? new Refusal(Reason.UNKNOWN_APP, "the application does not exist")
          : new Refusal(Reason.APP_DISABLED, "the application is disabled");
    }
    List<String> scopes = attempt.scopes();
    if (refusal == null) {
      Bounded bounded = attempt.bounds().check(session.get(), scopes);
      refusal = bounded.refusal().orElse(null);
      if (refusal == null) {
        scopes = bounded.scopes();
      }
    }
    Request request = attempt.request().toBuilder().clearScopes().addAllScopes(scopes).build();
    Delegation delegation = refusal == null ? delegation(session.get()) : Delegation.getDefaultInstance();
    DecisionInput input = new DecisionInput(app.map(DecisionInputs::principal).orElse(null),
        session.map(DecisionInputs::session).orElse(null), delegation,
        attempt.binding().map(ResourceBinding::toInput).orElse(Resource.newBuilder().setId(attempt.resourceId()).build()),
        request, Context.newBuilder().setTraceId(attempt.traceId()).setClientIp(attempt.clientIp()).build(), now,
        attempt.scopeMatch());
    if (refusal != null) {
      return record(attempt, now, app, session, delegation, input, Optional.empty(), Optional.empty(), refusal, null);
    }
    ZonePolicies zone = policies.forZone(attempt.zoneId());
    Decision decision = zone.active().map(set -> set.decide(input)).orElseGet(() -> Decision.noActivePolicySet(input));
    Optional<Decision> shadow = zone.shadow().map(set -> set.decide(input));
    DecisionInput decided = input;
    if (decision.approvalRequired() && zone.active().isPresent()) {
      // a person approved exactly this request: decided again with the approval, and used before it is recorded
      Optional<String> approval = attempt.approvals().approved(input, decision);
      if (approval.isPresent()) {
        DecisionInput withApproval = input.withContext(input.context().toBuilder().setApprovalId(approval.get()).build());
        Decision approved = zone.active().get().decide(withApproval);
        if (!approved.allowed() || attempt.approvals().use(approval.get())) {
          decided = withApproval;
          decision = approved;
        }
      }
    }
    if (attempt.binding().isEmpty()) {
      refusal = new Refusal(Reason.UNKNOWN_RESOURCE, "resource `" + attempt.resourceId() + "` is not registered in this zone");
    } else if (!decision.allowed()) {
      Reason reason = decision.reasons().isEmpty() ? Reason.NO_MATCHING_RULE : Reason.of(decision.reasons().get(0));
      refusal = decision.approvalRequired()
          ? new Refusal(reason, "the request needs a person's approval (see `caracal explain " + attempt.requestId() + "`)")
          : new Refusal(reason, "policy denied the request (see `caracal explain " + attempt.requestId() + "`)");
    }
    return record(attempt, now, app, session, delegation, decided, Optional.of(decision), shadow, refusal, decision);
  }

  /**
   * Whether the zone's active set could allow an MCP call for some arguments (its
   * `request.mcp.arguments` unknown): how a list is filtered for the caller of a granted list
   * request, whose input {@code input} derives from. Decides nothing and records nothing itself:
   * the list request's own record is the one made durable, and a call is decided in full.
   */
  public boolean couldAllow(String zoneId, DecisionInput input) {
    // a call that needs a person's approval can still be made: the tool is listed
    return policies.forZone(zoneId).active().map(set -> set.decideWithArgumentsUnknown(input).verdict() != Verdict.DENY)
        .orElse(false);
  }

  /**
   * Whether the zone's active set may hold a request to {@code resourceId} for approval: the edge
   * then reads the request's body, so that an approval binds it.
   */
  public boolean holdsForApproval(String zoneId, String resourceId) {
    ZonePolicies zone = policies.forZone(zoneId);
    return zone.active().map(set -> set.holdsForApproval(resourceId)).orElse(false);
  }

  /**
   * Records a request the edge refused before it could be decided (malformed, no usable token,
   * unknown resource...); the future completes once the record is durable (never exceptionally).
   *
   * @param app the application, when the edge knows which asked
   * @param sessionId the session, when the edge knows which
   */
  public CompletableFuture<Outcome> refuse(String requestId, String traceId, String clientIp, Phase phase,
      String zoneId, Optional<String> app, Optional<String> sessionId, Optional<String> tokenId, String resourceId,
      DecisionRecord.Call call, Request request, Refusal refusal) {
    return refuse(requestId, traceId, clientIp, phase, zoneId, app, sessionId, tokenId, resourceId, call, request, refusal,
        Attempt.Answer.of(phase));
  }

  /** {@link #refuse} answered with {@code answer}'s status rather than the phase's. */
  public CompletableFuture<Outcome> refuse(String requestId, String traceId, String clientIp, Phase phase,
      String zoneId, Optional<String> app, Optional<String> sessionId, Optional<String> tokenId, String resourceId,
      DecisionRecord.Call call, Request request, Refusal refusal, Attempt.Answer answer) {
    Instant now = clock.instant();
    Optional<Application> known = app.flatMap(id -> {
      try {
        return apps.find(id);
      } catch (RuntimeException e) { // the refusal stands without the app's name
        return Optional.of(new Application(id, zoneId, "", List.of(), Map.of(), false, now));
      }
    });
    DecisionInput input = new DecisionInput(known.map(DecisionInputs::principal).orElse(null), null, null,
        Resource.newBuilder().setId(resourceId).build(), request,
        Context.newBuilder().setTraceId(traceId).setClientIp(clientIp).build(), now);
    Optional<DecisionRecord.SessionRef> session = sessionId.map(id -> new DecisionRecord.SessionRef(id, "", 0, false, List.of()));
    DecisionRecord record = new DecisionRecord(DecisionRecord.VERSION, requestId, traceId, phase, now, zoneId,
        known.map(a -> new AppRef(a.id(), a.name(), a.zoneId())), session, resourceId, call, Optional.of(masker.record(input)),
        Optional.empty(), Optional.of(DecisionRecord.Refusal.of(refusal.reason(), answer.status(refusal.reason()))),
        Optional.empty());
    return durable(record, tokenId, new Outcome.Refused(record, refusal.reason(), refusal.message()), phase);
  }

  private CompletableFuture<Outcome> record(Attempt attempt, Instant now, Optional<Application> app,
      Optional<SessionRecord> session, Delegation delegation, DecisionInput input, Optional<Decision> decision,
      Optional<Decision> shadow, Refusal refusal, Decision granted) {
    Optional<DecisionRecord.SessionRef> sessionRef = session.map(s -> new DecisionRecord.SessionRef(s.id(), s.rootId(), s.depth(),
        s.oneShot(), delegation.getChainList().stream().map(h -> new Hop(h.getApp(), h.getSession())).toList()));
    if (sessionRef.isEmpty() && attempt.session() instanceof SessionRef.Existing e) {
      sessionRef = Optional.of(new DecisionRecord.SessionRef(e.id(), "", 0, false, List.of()));
    }
    DecisionRecord record = new DecisionRecord(DecisionRecord.VERSION, attempt.requestId(), attempt.traceId(), attempt.phase(),
        now, attempt.zoneId(), app.map(a -> new AppRef(a.id(), a.name(), a.zoneId())), sessionRef, attempt.resourceId(),
        attempt.call(), Optional.of(masker.record(input, attempt.binding().flatMap(ResourceBinding::mcp)
            .map(ResourceBinding.Mcp::maskedPaths).orElse(List.of()))), decision,
        Optional.ofNullable(refusal).map(r -> DecisionRecord.Refusal.of(r.reason(), attempt.answer().status(r.reason()))), shadow);
    Outcome outcome = refusal != null ? new Outcome.Refused(record, refusal.reason(), refusal.message())
        : new Outcome.Granted(record, granted, app.get(), session.get(), input);
    return durable(record, attempt.session().tokenId(), outcome, attempt.phase());
  }

  /** A full ledger queue answers `overloaded` at once; any other failure is `ledger_unavailable`. */
  private static Reason unrecordedReason(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof LedgerException e && e.code().equals("ledger_overloaded")) {
        return Reason.OVERLOADED;
      }
    }
    return Reason.LEDGER_UNAVAILABLE;
  }

  private CompletableFuture<Outcome> durable(DecisionRecord record, Optional<String> tokenId, Outcome outcome,
      Phase phase) {
    String edge = phase == Phase.ISSUE ? "sts" : "gateway";
    metrics.decision(edge, record.allowed(), record.allowed() ? "allowed_by_rule" : record.reason());
    long started = System.nanoTime();
    CompletableFuture<Void> append;
    try {
      append = log.append(record, tokenId);
    } catch (RuntimeException e) { // the event could not even be built or queued
      return CompletableFuture.completedFuture(new Outcome.Unrecorded(record, unrecordedReason(e)));
    }
    return append.handle((ok, error) -> {
      if (error != null) {
        return new Outcome.Unrecorded(record, unrecordedReason(error));
      }
      metrics.ledgerAppended(Duration.ofNanos(System.nanoTime() - started));
      return outcome;
    });
  }

  /** The status the edge answers a refusal with: OAuth's at the STS, plain HTTP's at the Gateway. */
  private static Refusal liveness(Optional<SessionStore.Checked> checked, Instant now) {
    return Liveness.check(checked, now).map(r -> new Refusal(r, Liveness.message(r))).orElse(null);
  }
}
