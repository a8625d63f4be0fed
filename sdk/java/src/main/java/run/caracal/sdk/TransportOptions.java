package run.caracal.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of {@link Caracal#transport(TransportOptions)}.
 *
 * @param throwOnError throw a {@link GatewayException} (or {@link CaracalException}) for any status ≥ 400
 * @param retries retries of idempotent requests on network failures and 502/503/504 (default 2)
 * @param waitForApproval how long to wait in all for a person's approval of a request the Gateway
 *     holds (403 {@code approval_required}) before sending it again; {@link Duration#ZERO} (the
 *     default) returns the 403 at once
 */
public record TransportOptions(boolean throwOnError, int retries, Duration waitForApproval) {
  public TransportOptions {
    if (retries < 0) throw new IllegalArgumentException("retries must not be negative");
    Objects.requireNonNull(waitForApproval, "waitForApproval");
    if (waitForApproval.isNegative()) throw new IllegalArgumentException("waitForApproval must not be negative");
  }

  public TransportOptions(boolean throwOnError, int retries) {
    this(throwOnError, retries, Duration.ZERO);
  }

  public static TransportOptions defaults() {
    return new TransportOptions(false, 2);
  }

  public TransportOptions withThrowOnError(boolean value) {
    return new TransportOptions(value, retries, waitForApproval);
  }

  public TransportOptions withRetries(int value) {
    return new TransportOptions(throwOnError, value, waitForApproval);
  }

  /**
   * Wait up to {@code timeout} for a person's approval: when the Gateway holds a request (403
   * {@code approval_required}), poll {@code {gateway}/.caracal/approvals/{id}} (as its
   * {@code Retry-After} says, at most once a second) and send the identical request again once it
   * is approved; {@link ApprovalDeniedException}, {@link ApprovalExpiredException} or, after the
   * timeout, {@link ApprovalTimeoutException} otherwise. Only a request whose body can be sent
   * twice waits (see {@link Transport}).
   */
  public TransportOptions waitForApproval(Duration timeout) {
    return new TransportOptions(throwOnError, retries, timeout);
  }
}
