package run.caracal.sdk;

/**
 * Nobody answered the approval within the {@link TransportOptions#waitForApproval(java.time.Duration)}
 * timeout (reason {@code approval_timeout}); it may still be approved later.
 */
public class ApprovalTimeoutException extends ApprovalException {
  public ApprovalTimeoutException(String approvalId, String requestId) {
    super("approval " + approvalId + " was not answered in time; approve with: caracal approvals approve " + approvalId, approvalId,
        "approval_timeout", requestId, 0, null);
  }
}
