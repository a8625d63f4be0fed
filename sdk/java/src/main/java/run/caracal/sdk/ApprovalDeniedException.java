package run.caracal.sdk;

/** An approver denied the request the {@link Transport} waited for (reason {@code approval_denied}). */
public class ApprovalDeniedException extends ApprovalException {
  public ApprovalDeniedException(String approvalId, String requestId) {
    super("an approver denied the request (approval " + approvalId + ")", approvalId, "approval_denied", requestId, 403, "forbidden");
  }
}
