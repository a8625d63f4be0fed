package run.caracal.control.approval;

import run.caracal.decision.Reason;

/**
 * The caller may not read or answer this approval: an unknown approver token
 * ({@code approver_token_invalid}), an application's credentials
 * ({@code app_credential_cannot_approve}), an approver of another zone
 * ({@code approver_not_in_zone}) or outside the rule's approver groups
 * ({@code approver_not_in_group}). The reason gives the HTTP status.
 */
public final class ApprovalAccessException extends RuntimeException {
  private final transient Reason reason;

  public ApprovalAccessException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
