package run.caracal.engine.decision;

import java.util.Locale;

/** Why a decision came out as it did. The ids are stable: ledger queries and docs use them. */
public enum ReasonCode {
  ALLOWED_BY_RULE("every requested scope is granted by an allow rule and no deny rule holds"),
  ALLOWED_BY_APPROVAL("allowed, and a require_approval rule that holds is satisfied by a matching approval"),
  APPROVAL_REQUIRED("the request would be allowed, but a require_approval rule holds and no approval matches it yet"),
  NO_MATCHING_RULE("a requested scope is granted by no allow rule whose condition holds"),
  DENIED_BY_RULE("a deny rule that applies to a requested scope holds"),
  CONDITION_ERROR("a condition failed to evaluate; it counts as false for allow and true for deny and require_approval"),
  UNKNOWN_RESOURCE("the resource is not registered (or the input names none)"),
  SCOPE_NOT_DECLARED("a requested scope is not declared by the resource"),
  SCOPE_OUTSIDE_DELEGATION("a delegated session asks for a scope its parent does not hold"),
  NO_SCOPES_REQUESTED("the request names no scope"),
  NO_ACTIVE_POLICY_SET("the zone has no active policy set, so everything is denied"),
  MCP_PLUMBING("an MCP protocol message (initialize, ping, lists, notifications, responses) that needs only a valid token");

  private final String summary;

  ReasonCode(String summary) {
    this.summary = summary;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String summary() {
    return summary;
  }
}
