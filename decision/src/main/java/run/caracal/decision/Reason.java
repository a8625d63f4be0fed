package run.caracal.decision;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import run.caracal.engine.decision.ReasonCode;

/**
 * Every reason code a Caracal edge answers with, each carrying what the edges need to map it to
 * their protocol: the stage that refused, the Gateway's HTTP status, and the STS's OAuth error
 * and status (RFC 6749 §5.2). The engine's own codes ({@link ReasonCode}) appear here too, as
 * policy refusals. Ids are stable and documented in `docs/reason-codes.md` (a test checks).
 */
public enum Reason {
  // the protocol request itself
  MALFORMED_REQUEST(Stage.REQUEST, 400, "invalid_request", 400),
  MALFORMED_FORM(Stage.REQUEST, 400, "invalid_request", 400),
  MALFORMED_JSON(Stage.REQUEST, 400, "invalid_request", 400),
  PARAMETER_REPEATED(Stage.REQUEST, 400, "invalid_request", 400),
  INVALID_NUMBER(Stage.REQUEST, 400, "invalid_request", 400),
  INVALID_TTL(Stage.REQUEST, 400, "invalid_request", 400),
  REQUEST_TOO_LARGE(Stage.REQUEST, 413, "invalid_request", 400),
  GRANT_TYPE_MISSING(Stage.REQUEST, 400, "invalid_request", 400),
  GRANT_TYPE_UNSUPPORTED(Stage.REQUEST, 400, "unsupported_grant_type", 400),
  SUBJECT_TOKEN_MISSING(Stage.REQUEST, 400, "invalid_request", 400),
  SUBJECT_TOKEN_TYPE_MISSING(Stage.REQUEST, 400, "invalid_request", 400),
  SUBJECT_TOKEN_TYPE_UNSUPPORTED(Stage.REQUEST, 400, "invalid_request", 400),
  REQUESTED_TOKEN_TYPE_UNSUPPORTED(Stage.REQUEST, 400, "invalid_request", 400),
  AMBIGUOUS_FRAMING(Stage.REQUEST, 400, "invalid_request", 400),
  DUPLICATE_HEADER(Stage.REQUEST, 400, "invalid_request", 400),
  INVALID_TARGET(Stage.REQUEST, 400, "invalid_request", 400),
  PATH_TRAVERSAL(Stage.REQUEST, 400, "invalid_request", 400),
  RESOURCE_HEADER_MISSING(Stage.REQUEST, 400, "invalid_request", 400),
  HEADERS_TOO_LARGE(Stage.REQUEST, 431, "invalid_request", 400),
  BODY_TOO_LARGE(Stage.REQUEST, 413, "invalid_request", 400),
  INVALID_BODY(Stage.REQUEST, 400, "invalid_request", 400),
  MCP_INVALID_MESSAGE(Stage.REQUEST, 400, "invalid_request", 400),
  MCP_BATCH_UNSUPPORTED(Stage.REQUEST, 400, "invalid_request", 400),
  MCP_HEADER_MISMATCH(Stage.REQUEST, 400, "invalid_request", 400),
  // client authentication (the STS answers every one as plain invalid_client)
  CLIENT_AUTH_MISSING(Stage.CLIENT, 401, "invalid_client", 401),
  CLIENT_AUTH_FAILED(Stage.CLIENT, 401, "invalid_client", 401),
  UNKNOWN_APP(Stage.CLIENT, 401, "invalid_client", 401),
  WRONG_SECRET(Stage.CLIENT, 401, "invalid_client", 401),
  // tokens
  TOKEN_MISSING(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_MALFORMED(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_ALG_NOT_ALLOWED(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_TYPE_INVALID(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_UNKNOWN_KEY(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_SIGNATURE_INVALID(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_ZONE_MISMATCH(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_ISSUER_INVALID(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_AUDIENCE_INVALID(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_EXPIRED(Stage.TOKEN, 401, "invalid_grant", 400),
  TOKEN_NOT_YET_VALID(Stage.TOKEN, 401, "invalid_grant", 400),
  // liveness of the session (and so its ancestors) and of the token id
  TOKEN_REVOKED(Stage.LIVENESS, 401, "invalid_grant", 400),
  SESSION_UNKNOWN(Stage.LIVENESS, 401, "invalid_grant", 400),
  SESSION_REVOKED(Stage.LIVENESS, 401, "invalid_grant", 400),
  SESSION_EXPIRED(Stage.LIVENESS, 401, "invalid_grant", 400),
  // the application
  APP_DISABLED(Stage.APPLICATION, 401, "invalid_client", 401),
  // the request's bounds: what the session and its delegation allow to be asked at all
  SESSION_NOT_OWNED(Stage.BOUNDS, 403, "invalid_grant", 400),
  ZONE_MISMATCH(Stage.BOUNDS, 403, "invalid_grant", 400),
  ACTOR_NOT_IN_CHAIN(Stage.BOUNDS, 403, "invalid_grant", 400),
  SCOPE_MISSING(Stage.BOUNDS, 403, "invalid_scope", 400),
  SCOPE_OUTSIDE_SESSION(Stage.BOUNDS, 403, "invalid_scope", 400),
  SCOPE_ESCALATION(Stage.BOUNDS, 403, "invalid_scope", 400),
  RESOURCE_ESCALATION(Stage.BOUNDS, 403, "invalid_target", 400),
  RESOURCE_MISSING(Stage.BOUNDS, 400, "invalid_target", 400),
  RESOURCE_MULTIPLE(Stage.BOUNDS, 400, "invalid_target", 400),
  RESOURCE_INVALID(Stage.BOUNDS, 400, "invalid_target", 400),
  RESOURCE_OUTSIDE_SESSION(Stage.BOUNDS, 403, "invalid_target", 400),
  DELEGATION_DEPTH_EXCEEDED(Stage.BOUNDS, 403, "access_denied", 403),
  // routing to a registered resource and operation
  UNKNOWN_RESOURCE(Stage.ROUTING, 404, "invalid_target", 400),
  OPERATION_NOT_DECLARED(Stage.ROUTING, 403, "access_denied", 403),
  SCOPE_NOT_IN_TOKEN(Stage.ROUTING, 403, "access_denied", 403),
  TOOL_NOT_DECLARED(Stage.ROUTING, 403, "access_denied", 403),
  NOT_AN_MCP_RESOURCE(Stage.ROUTING, 404, "invalid_target", 400),
  // rate limits
  RATE_LIMITED(Stage.RATE_LIMIT, 429, "slow_down", 429),
  // the policy engine (the engine's own reason codes)
  NO_MATCHING_RULE(Stage.POLICY, 403, "access_denied", 403),
  DENIED_BY_RULE(Stage.POLICY, 403, "access_denied", 403),
  CONDITION_ERROR(Stage.POLICY, 403, "access_denied", 403),
  SCOPE_NOT_DECLARED(Stage.POLICY, 403, "access_denied", 403),
  SCOPE_OUTSIDE_DELEGATION(Stage.POLICY, 403, "access_denied", 403),
  NO_SCOPES_REQUESTED(Stage.POLICY, 403, "access_denied", 403),
  NO_ACTIVE_POLICY_SET(Stage.POLICY, 403, "access_denied", 403),
  // a person's approval (require_approval rules)
  APPROVAL_REQUIRED(Stage.POLICY, 403, "access_denied", 403),
  APPROVAL_DENIED(Stage.POLICY, 403, "access_denied", 403),
  // who may answer an approval at the admin API (an approver token, or the admin token)
  APPROVER_TOKEN_INVALID(Stage.CLIENT, 401, "invalid_client", 401),
  APPROVER_TOKEN_EXPIRED(Stage.CLIENT, 401, "invalid_client", 401),
  APP_CREDENTIAL_CANNOT_APPROVE(Stage.CLIENT, 403, "access_denied", 403),
  APPROVER_NOT_IN_ZONE(Stage.BOUNDS, 403, "access_denied", 403),
  APPROVER_NOT_IN_GROUP(Stage.BOUNDS, 403, "access_denied", 403),
  /** The Gateway's approval status endpoint: no approval of this id belongs to the caller (whether one exists is not said). */
  APPROVAL_UNKNOWN(Stage.ROUTING, 404, "invalid_request", 400),
  // the decision could not be made durable, or the service could not decide
  LEDGER_UNAVAILABLE(Stage.RECORD, 503, "temporarily_unavailable", 503),
  OVERLOADED(Stage.RECORD, 503, "temporarily_unavailable", 503),
  DATABASE_UNAVAILABLE(Stage.RECORD, 503, "temporarily_unavailable", 503),
  GATEWAY_UNAVAILABLE(Stage.RECORD, 503, "temporarily_unavailable", 503),
  INTERNAL_ERROR(Stage.RECORD, 503, "server_error", 500),
  // the upstream, after the decision
  UPSTREAM_MISSING(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_INVALID(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_UNRESOLVABLE(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_FORBIDDEN(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_UNREACHABLE(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_CLOSED(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_ERROR(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_MALFORMED(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_TLS_FAILED(Stage.UPSTREAM, 502, "server_error", 500),
  UPSTREAM_TIMEOUT(Stage.UPSTREAM, 504, "server_error", 500),
  UPSTREAM_IDLE_TIMEOUT(Stage.UPSTREAM, 504, "server_error", 500);

  private static final Map<String, Reason> BY_ID =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Reason::id, Function.identity()));

  private final Stage stage;
  private final int httpStatus;
  private final String oauthError;
  private final int oauthStatus;

  Reason(Stage stage, int httpStatus, String oauthError, int oauthStatus) {
    this.stage = stage;
    this.httpStatus = httpStatus;
    this.oauthError = oauthError;
    this.oauthStatus = oauthStatus;
  }

  /** The stable snake_case code. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public Stage stage() {
    return stage;
  }

  /** The status a plain HTTP edge (the Gateway, the admin API) answers with. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The RFC 6749 §5.2 `error` the STS answers with. */
  public String oauthError() {
    return oauthError;
  }

  /** The status the STS answers with. */
  public int oauthStatus() {
    return oauthStatus;
  }

  /** The HTTP status's short error word for plain JSON bodies (`forbidden`, `unauthorized`, ...). */
  public String httpError() {
    return switch (httpStatus) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 413 -> "payload_too_large";
      case 429 -> "too_many_requests";
      case 431 -> "request_header_fields_too_large";
      case 502 -> "bad_gateway";
      case 504 -> "gateway_timeout";
      default -> "unavailable";
    };
  }

  /** The reason with this id, when there is one. */
  public static Optional<Reason> fromId(String id) {
    return Optional.ofNullable(BY_ID.get(id));
  }

  /** The reason with this id. @throws IllegalArgumentException for an id no version defined */
  public static Reason of(String id) {
    return fromId(id).orElseThrow(() -> new IllegalArgumentException("unknown reason code `" + id + "`"));
  }

  /** The policy refusal for an engine reason code. */
  public static Reason of(ReasonCode code) {
    return of(code.id());
  }
}
