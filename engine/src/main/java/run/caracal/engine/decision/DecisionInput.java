package run.caracal.engine.decision;

import java.time.Instant;
import java.util.Objects;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * Everything a decision reads, as typed immutable messages. Absent parts are the messages'
 * default instances (zero values); {@code now} is the caller's clock. The phase comes from
 * {@code request.phase}; {@code scopeMatch} says whether every requested scope must be granted
 * (the default) or any one of them.
 */
public record DecisionInput(
    Principal principal,
    Session session,
    Delegation delegation,
    Resource resource,
    Request request,
    Context context,
    Instant now,
    ScopeMatch scopeMatch) {
  /** An input whose requested scopes must all be granted. */
  public DecisionInput(Principal principal, Session session, Delegation delegation, Resource resource, Request request,
      Context context, Instant now) {
    this(principal, session, delegation, resource, request, context, now, ScopeMatch.ALL);
  }

  public DecisionInput {
    principal = Objects.requireNonNullElse(principal, Principal.getDefaultInstance());
    session = Objects.requireNonNullElse(session, Session.getDefaultInstance());
    delegation = Objects.requireNonNullElse(delegation, Delegation.getDefaultInstance());
    resource = Objects.requireNonNullElse(resource, Resource.getDefaultInstance());
    request = Objects.requireNonNullElse(request, Request.getDefaultInstance());
    context = Objects.requireNonNullElse(context, Context.getDefaultInstance());
    Objects.requireNonNull(now, "now");
    scopeMatch = Objects.requireNonNullElse(scopeMatch, ScopeMatch.ALL);
  }

  public Phase phase() {
    return Phase.fromId(request.getPhase());
  }

  public DecisionInput withResource(Resource value) {
    return new DecisionInput(principal, session, delegation, value, request, context, now, scopeMatch);
  }

  public DecisionInput withRequest(Request value) {
    return new DecisionInput(principal, session, delegation, resource, value, context, now, scopeMatch);
  }

  public DecisionInput withContext(Context value) {
    return new DecisionInput(principal, session, delegation, resource, request, value, now, scopeMatch);
  }

  public DecisionInput withScopeMatch(ScopeMatch value) {
    return new DecisionInput(principal, session, delegation, resource, request, context, now, value);
  }
}
