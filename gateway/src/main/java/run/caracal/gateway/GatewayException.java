package run.caracal.gateway;

import run.caracal.decision.Reason;

/**
 * A request the Gateway refuses: HTTP status, the short error word, and the stable reason code
 * (`token_expired`, `denied_by_rule`, `unknown_resource`, `ambiguous_framing`, ...).
 */
public final class GatewayException extends Exception {
  private final int status;
  private final String error;
  private final String reason;
  private long retryAfterSeconds;

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
