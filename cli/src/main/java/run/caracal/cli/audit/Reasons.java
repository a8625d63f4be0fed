package run.caracal.cli.audit;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import run.caracal.engine.decision.ReasonCode;

/**
 * Reason codes in plain words, and the layer each one points at. The engine's codes
 * ({@link ReasonCode}) keep the engine's own summaries; STS, Gateway and upstream codes are
 * described here. Unknown codes are shown as they are, with their underscores as spaces.
 */
final class Reasons {
  private static final Set<String> POLICY = Set.of(
      ReasonCode.DENIED_BY_RULE.id(), ReasonCode.NO_MATCHING_RULE.id(), ReasonCode.CONDITION_ERROR.id(),
      ReasonCode.NO_ACTIVE_POLICY_SET.id(), ReasonCode.SCOPE_OUTSIDE_DELEGATION.id(), ReasonCode.APPROVAL_REQUIRED.id(),
      "approval_denied", "denied");
  private static final Set<String> ROUTING = Set.of(
      ReasonCode.UNKNOWN_RESOURCE.id(), ReasonCode.SCOPE_NOT_DECLARED.id(), "resource_unknown",
      "operation_not_declared", "route_not_found", "no_upstream", "resource_missing", "resource_multiple",
      "upstream_missing", "upstream_forbidden", "upstream_invalid", "tool_not_declared", "not_an_mcp_resource");
  private static final Set<String> UPSTREAM = Set.of("timeout", "bad_gateway", "gateway_timeout", "aborted");

  private static final Map<String, String> WORDS = Map.ofEntries(
      Map.entry("client_auth_missing", "the application sent no client credentials"),
      Map.entry("invalid_client", "the application's client id or secret is wrong"),
      Map.entry("app_disabled", "the application is disabled"),
      Map.entry("session_unknown", "the session token names a session the STS does not know"),
      Map.entry("session_expired", "the session has expired"),
      Map.entry("session_revoked", "the session (or one of its ancestors) was ended"),
      Map.entry("session_not_owned", "the session belongs to another application"),
      Map.entry("actor_not_in_chain", "the actor token is not a session that delegated to the subject session"),
      Map.entry("delegation_depth_exceeded", "the session would delegate deeper than allowed"),
      Map.entry("zone_mismatch", "the token belongs to another zone"),
      Map.entry("scope_missing", "no scope was requested"),
      Map.entry("scope_outside_session", "a requested scope is outside the session's scopes"),
      Map.entry("resource_outside_session", "the resource is outside the session's resources"),
      Map.entry("resource_missing", "no resource was named (RFC 8707 `resource`)"),
      Map.entry("resource_multiple", "more than one resource was named; a token is for exactly one"),
      Map.entry("token_missing", "no token was presented"),
      Map.entry("token_malformed", "the token is not a well-formed JWT"),
      Map.entry("token_expired", "the token has expired"),
      Map.entry("token_not_yet_valid", "the token is not valid yet (clock skew?)"),
      Map.entry("token_signature_invalid", "the token's signature does not verify"),
      Map.entry("token_unknown_key", "the token is signed by a key the zone does not publish"),
      Map.entry("token_alg_not_allowed", "the token uses a signature algorithm that is not allowed"),
      Map.entry("token_audience_invalid", "the token was issued for another resource"),
      Map.entry("token_issuer_invalid", "the token was issued by another STS"),
      Map.entry("token_type_invalid", "the token is of the wrong type (a session token where an access token belongs?)"),
      Map.entry("token_revoked", "the token was revoked"),
      Map.entry("token_zone_mismatch", "the token belongs to another zone"),
      Map.entry("resource_unknown", "the Gateway knows no resource with that id"),
      Map.entry("operation_not_declared", "the method and path match no operation the resource declares"),
      Map.entry("route_not_found", "the Gateway has no route for the request"),
      Map.entry("no_upstream", "the resource has no upstream URL"),
      Map.entry("upstream_missing", "the resource has no upstream URL"),
      Map.entry("upstream_forbidden", "the upstream address is refused by the Gateway's address rules (link-local, metadata, "
          + "or a loopback/private range refused by configuration)"),
      Map.entry("upstream_invalid", "the resource's upstream URL is not usable"),
      Map.entry("upstream_unresolvable", "the upstream's host name does not resolve"),
      Map.entry("upstream_closed", "the upstream closed the connection early"),
      Map.entry("upstream_malformed", "the upstream sent a malformed response"),
      Map.entry("upstream_idle_timeout", "the upstream stopped sending in the middle of its response"),
      Map.entry("aborted", "the upstream's response broke off after it had started"),
      Map.entry("body_too_large", "the request body is larger than the resource accepts"),
      Map.entry("headers_too_large", "the request headers are too large"),
      Map.entry("gateway_unavailable", "the Gateway was unavailable"),
      Map.entry("upstream_timeout", "the upstream did not answer in time"),
      Map.entry("upstream_unreachable", "the upstream could not be reached"),
      Map.entry("upstream_error", "the upstream failed"),
      Map.entry("timeout", "the upstream did not answer in time"),
      Map.entry("ledger_unavailable", "the decision could not be recorded in the ledger"),
      Map.entry("rate_limited", "the application exceeded its rate limit"),
      Map.entry("approval_denied", "an approver denied the approval this request waited for"),
      Map.entry("denied", "the policy denied the request"),
      Map.entry("tool_not_declared", "the MCP resource declares tools and none matches the called tool"),
      Map.entry("not_an_mcp_resource", "`/mcp/{name}` names a resource that is not an MCP server"),
      Map.entry("scope_not_in_token", "the token lacks the scope the operation or declared MCP tool needs"),
      Map.entry("mcp_invalid_message", "the MCP request body is not one JSON-RPC 2.0 message"),
      Map.entry("mcp_batch_unsupported", "a JSON-RPC batch was sent; the Gateway takes one message per POST"),
      Map.entry("mcp_header_mismatch", "Mcp-Method or Mcp-Name is missing or disagrees with the body (revision 2026-07-28)"));

  private Reasons() {}

  /** The code in plain words. */
  static String describe(String code) {
    Optional<ReasonCode> engine = Arrays.stream(ReasonCode.values()).filter(r -> r.id().equals(code)).findFirst();
    if (engine.isPresent()) {
      return engine.get().summary();
    }
    return WORDS.getOrDefault(code, code.replace('_', ' '));
  }

  /** The layer that the code points at. */
  static FixLayer layer(String code) {
    if (code.equals(ReasonCode.ALLOWED_BY_RULE.id()) || code.equals(ReasonCode.ALLOWED_BY_APPROVAL.id())
        || code.equals(ReasonCode.MCP_PLUMBING.id())) {
      return FixLayer.NONE;
    }
    if (POLICY.contains(code)) {
      return FixLayer.POLICY;
    }
    if (ROUTING.contains(code)) {
      return FixLayer.RESOURCE_ROUTING;
    }
    if (UPSTREAM.contains(code) || code.startsWith("upstream_")) {
      return FixLayer.UPSTREAM;
    }
    if (WORDS.containsKey(code) || code.equals(ReasonCode.NO_SCOPES_REQUESTED.id())
        || code.startsWith("token_") || code.startsWith("session_") || code.startsWith("client_")
        || code.startsWith("subject_token_") || code.startsWith("grant_type_") || code.startsWith("invalid_")) {
      return FixLayer.RUNTIME_CONFIG;
    }
    return FixLayer.UNKNOWN;
  }
}
