package run.caracal.sdk;

import java.util.Optional;

/**
 * Base of every SDK error. Carries Caracal's reason code and, when a server answered, the request
 * id that {@code caracal explain <request-id>} takes.
 */
public class CaracalException extends RuntimeException {
  private final String reason;
  private final String requestId;
  private final int status;
  private final String error;

  public CaracalException(String message) {
    this(message, null, null, 0, null, null);
  }

  /**
   * @param reason Caracal's stable snake_case reason ({@code session_revoked}, {@code scope_escalation}...)
   * @param requestId the STS or Gateway request that failed
   * @param status the HTTP status, 0 when no server answered
   * @param error the protocol error ({@code invalid_scope}, {@code access_denied}, {@code forbidden}...)
   */
  public CaracalException(String message, String reason, String requestId, int status, String error, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.requestId = requestId;
    this.status = status;
    this.error = error;
  }

  /** Caracal's reason code, e.g. {@code session_revoked}, {@code denied_by_rule}. */
  public String reason() {
    return reason;
  }

  /** The request id of the refused STS or Gateway request, or null. */
  public String requestId() {
    return requestId;
  }

  /** The HTTP status, or 0 when no server answered. */
  public int status() {
    return status;
  }

  /** The protocol error ({@code invalid_scope}, {@code access_denied}...), or null. */
  public String error() {
    return error;
  }

  /** {@code caracal explain <requestId>}, when there is a request id. */
  public Optional<String> explainCommand() {
    return requestId == null ? Optional.empty() : Optional.of("caracal explain " + requestId);
  }

  static String describe(String what, String error, String reason, String description, String requestId) {
    StringBuilder out = new StringBuilder(what).append(": ").append(error);
    if (reason != null) out.append(" (").append(reason).append(')');
    if (description != null) out.append(' ').append(description);
    if (requestId != null) out.append(" [caracal explain ").append(requestId).append(']');
    return out.toString();
  }
}
