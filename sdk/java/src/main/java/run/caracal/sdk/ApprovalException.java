package run.caracal.sdk;

/**
 * A request held for a person's approval did not go through while the {@link Transport} waited
 * ({@link TransportOptions#waitForApproval(java.time.Duration)}): {@link #approvalId()} names the
 * approval ({@code caracal approvals show <id>}). Thrown as one of its subclasses, or as itself
 * when the Gateway no longer knows the approval (reason {@code approval_unknown}).
 */
public class ApprovalException extends CaracalException {
  private final String approvalId;

  public ApprovalException(String message, String approvalId, String reason, String requestId, int status, String error) {
    super(message, reason, requestId, status, error, null);
    this.approvalId = approvalId;
  }

  /** The approval the request waited for ({@code apr_...}). */
  public String approvalId() {
    return approvalId;
  }
}
