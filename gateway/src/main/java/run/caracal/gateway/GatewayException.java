package run.caracal.gateway;

import java.util.Optional;
import run.caracal.decision.Reason;

/**
 * A request the Gateway refuses: HTTP status, the short error word, and the stable reason code
 * (`token_expired`, `denied_by_rule`, `unknown_resource`, `ambiguous_framing`, ...).
 */
public final class GatewayException extends Exception {
  private final int status;
  private final String error;
  private final String reason;
  /** How long a held request's client waits before asking again. */
  public static final long APPROVAL_RETRY_SECONDS = 5;
  private long retryAfterSeconds;
  private JsonRpc jsonRpc;
  private String challenge;
  private String approvalId;

  /**
   * The refusal of an MCP message, answered as a JSON-RPC error response.
   *
   * @param id the message's id as JSON text, or null (a notification, or an unreadable message)
   * @param code the JSON-RPC error code
   * @param httpStatus the HTTP status carrying it (200 for a refused call, so clients read `error.data`)
   */
  public record JsonRpc(String id, int code, int httpStatus) {}

  public GatewayException(int status, String error, String reason, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public String reason() {
    return reason;
  }

  /** The refusal for a reason, with its HTTP status. */
  public static GatewayException of(Reason reason, String message) {
    return new GatewayException(reason.httpStatus(), reason.httpError(), reason.id(), message);
  }

  /** 429 with the seconds to wait (sent as Retry-After). */
  public static GatewayException tooManyRequests(long retryAfterSeconds) {
    GatewayException e = GatewayException.of(Reason.RATE_LIMITED, "rate limit exceeded for this application");
    e.retryAfterSeconds = retryAfterSeconds;
    return e;
  }

  /** Answer this refusal as a JSON-RPC error, with the refusal's own HTTP status. */
  public GatewayException asJsonRpc(String id, int code) {
    return asJsonRpc(id, code, status);
  }

  /** Answer this refusal as a JSON-RPC error carried by {@code httpStatus}. */
  public GatewayException asJsonRpc(String id, int code, int httpStatus) {
    this.jsonRpc = new JsonRpc(id, code, httpStatus);
    return this;
  }

  public Optional<JsonRpc> jsonRpc() {
    return Optional.ofNullable(jsonRpc);
  }

  /** A `WWW-Authenticate` value to send instead of the default one. */
  public GatewayException withChallenge(String value) {
    this.challenge = value;
    return this;
  }

  public Optional<String> challenge() {
    return Optional.ofNullable(challenge);
  }

  /** A request held for approval (or denied by an approver): the approval's id, sent back with `Retry-After`. */
  public GatewayException withApproval(String id) {
    this.approvalId = id;
    this.retryAfterSeconds = APPROVAL_RETRY_SECONDS;
    return this;
  }

  public Optional<String> approvalId() {
    return Optional.ofNullable(approvalId);
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static GatewayException badRequest(String reason, String message) {
    return new GatewayException(400, "bad_request", reason, message);
  }

  public static GatewayException unauthorized(String reason, String message) {
    return new GatewayException(401, "unauthorized", reason, message);
  }

  public static GatewayException forbidden(String reason, String message) {
    return new GatewayException(403, "forbidden", reason, message);
  }
}
