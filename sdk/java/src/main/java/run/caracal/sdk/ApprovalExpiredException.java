package run.caracal.sdk;

/**
 * The approval expired before the request used it (reason {@code approval_expired}); the
 * identical request would open a new one.
 */
public class ApprovalExpiredException extends ApprovalException {
  public ApprovalExpiredException(String approvalId, String requestId) {
    super("approval " + approvalId + " expired before it was used", approvalId, "approval_expired", requestId, 0, null);
  }
}
