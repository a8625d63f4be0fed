package run.caracal.sts;

import run.caracal.control.pipeline.Outcome;
import run.caracal.decision.Reason;

/**
 * A token-endpoint failure as RFC 6749 §5.2 names it ({@code invalid_client}, {@code invalid_grant},
 * {@code invalid_scope}, {@code invalid_target}, {@code access_denied}, ...) with Caracal's reason
 * code and the HTTP status. The description is safe to show the client.
 */
public final class OAuthException extends RuntimeException {
  private final String error;
  private final String reason;
  private final int status;

  public OAuthException(String error, String reason, int status, String description) {
    super(description);
    this.error = error;
    this.reason = reason;
    this.status = status;
  }

  /** The refusal for a reason, with its OAuth error and status. */
  public static OAuthException of(Reason reason, String description) {
    return new OAuthException(reason.oauthError(), reason.id(), reason.oauthStatus(), description);
  }

  /** The answer when a decision could not be made durable: nothing was issued. */
  public static OAuthException unrecorded() {
    return of(Reason.LEDGER_UNAVAILABLE, "the decision could not be recorded; try again");
  }

  /** The answer when a decision could not be made durable (the ledger failed, or is full: `overloaded`). */
  public static OAuthException unrecorded(Outcome.Unrecorded outcome) {
    return of(outcome.reason(), outcome.message());
  }

  public static OAuthException invalidClient(String reason) {
    return new OAuthException("invalid_client", reason, 401, "client authentication failed");
  }

  public static OAuthException invalidGrant(String reason, String description) {
    return new OAuthException("invalid_grant", reason, 400, description);
  }

  public static OAuthException invalidRequest(String reason, String description) {
    return new OAuthException("invalid_request", reason, 400, description);
  }

  public static OAuthException invalidScope(String reason, String description) {
    return new OAuthException("invalid_scope", reason, 400, description);
  }

  public static OAuthException invalidTarget(String reason, String description) {
    return new OAuthException("invalid_target", reason, 400, description);
  }

  public static OAuthException accessDenied(String reason, String description) {
    return new OAuthException("access_denied", reason, 403, description);
  }

  public String error() {
    return error;
  }

  public String reason() {
    return reason;
  }

  public int status() {
    return status;
  }
}
