package run.caracal.control.approval;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import run.caracal.control.ControlException;
import run.caracal.control.crypto.ClientSecrets;
import run.caracal.decision.Reason;

/**
 * Who may read and answer approvals: the admin (break-glass, actor `admin`) anywhere, and a named
 * approver (actor `approver:NAME`) in their own zone, answering only approvals whose
 * require_approval rules name one of their groups (or name none). An application's credentials
 * never approve. Thread-safe.
 */
public final class ApproverAccess {
  /** Who is asking. */
  public record Caller(String actor, Optional<Approver> approver) {
    /** The holder of the admin token. */
    public static final Caller ADMIN = new Caller("admin", Optional.empty());

    public static Caller of(Approver approver) {
      return new Caller(approver.actor(), Optional.of(approver));
    }
  }

  private final ApproverStore approvers;
  private final ApprovalStore approvals;

  public ApproverAccess(ApproverStore approvers, ApprovalStore approvals) {
    this.approvers = approvers;
    this.approvals = approvals;
  }

  /**
   * The approver an `Authorization` header that is not the admin token presents.
   *
   * @throws ApprovalAccessException {@code app_credential_cannot_approve} for HTTP Basic, a client
   *     secret or a JWT (an STS token); {@code approver_token_expired} for an approver's token past
   *     its time; {@code approver_token_invalid} for anything else that is not a current approver's token
   */
  public Caller approver(String authorization) {
    String header = authorization == null ? "" : authorization.strip();
    if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
      throw appCredential();
    }
    String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
    if (token.startsWith(ClientSecrets.PREFIX) || looksLikeJwt(token)) {
      throw appCredential();
    }
    if (token.isEmpty()) {
      throw new ApprovalAccessException(Reason.APPROVER_TOKEN_INVALID,
          "no approver token: send `Authorization: Bearer apv_...` (or the admin token)");
    }
    Approver approver = approvers.byToken(token).orElseThrow(() -> new ApprovalAccessException(Reason.APPROVER_TOKEN_INVALID,
        "the approver token is not valid (unknown, or its approver was removed)"));
    if (approvers.expired(approver)) {
      throw new ApprovalAccessException(Reason.APPROVER_TOKEN_EXPIRED, "the token of approver `" + approver.name() + "` expired at "
          + approver.expiresAt() + "; the admin adds them again (`caracal approver remove` then `add`) for a new one");
    }
    return Caller.of(approver);
  }

  /** A zone's approvals, newest first. */
  public List<Approval> list(Caller caller, String zoneId, Optional<Approval.State> state, int limit) {
    requireZone(caller, zoneId, "list approvals of");
    return approvals.list(zoneId, state, limit);
  }

  /**
   * The approvals of the caller's zone (an approver's), or of every zone in {@code allZoneIds} (the
   * admin's), newest first.
   */
  public List<Approval> listVisible(Caller caller, List<String> allZoneIds, Optional<Approval.State> state, int limit) {
    List<String> zones = caller.approver().map(a -> List.of(a.zoneId())).orElse(allZoneIds);
    return zones.stream().flatMap(z -> approvals.list(z, state, limit).stream())
        .sorted(Comparator.comparing(Approval::requestedAt).reversed()).limit(limit).toList();
  }

  /** One approval, or the ones a request opened (by its request id). */
  public Approval show(Caller caller, String id) {
    Approval a = find(id);
    requireZone(caller, a.zoneId(), "see approvals of");
    return a;
  }

  /** The approvals the request with this id opened, in a zone the caller may read. */
  public List<Approval> ofRequest(Caller caller, String requestId) {
    return approvals.ofRequest(requestId).stream()
        .filter(a -> caller.approver().isEmpty() || caller.approver().get().zoneId().equals(a.zoneId())).toList();
  }

  /**
   * Approves or denies a pending approval as the caller.
   *
   * @throws ApprovalAccessException an approver of another zone, or in none of the rule's groups
   * @throws ControlException not found, or no longer pending
   */
  public Approval decide(Caller caller, String id, boolean approve, Optional<String> comment) {
    Approval a = find(id);
    requireZone(caller, a.zoneId(), approve ? "approve requests of" : "deny requests of");
    if (caller.approver().isPresent() && !a.mayBeApprovedBy(caller.approver().get().groups())) {
      throw new ApprovalAccessException(Reason.APPROVER_NOT_IN_GROUP, "approver `" + caller.approver().get().name() + "` (groups "
          + String.join(", ", caller.approver().get().groups()) + ") is not in the approver groups of approval `" + id + "`: "
          + a.groupsText());
    }
    return approvals.decide(id, approve, caller.actor(), comment);
  }

  private Approval find(String id) {
    return approvals.find(id).orElseThrow(() -> ControlException.notFound("approval `" + id + "`"));
  }

  private static void requireZone(Caller caller, String zoneId, String what) {
    if (caller.approver().isPresent() && !caller.approver().get().zoneId().equals(zoneId)) {
      throw new ApprovalAccessException(Reason.APPROVER_NOT_IN_ZONE,
          "approver `" + caller.approver().get().name() + "` may not " + what + " another zone");
    }
  }

  private static ApprovalAccessException appCredential() {
    return new ApprovalAccessException(Reason.APP_CREDENTIAL_CANNOT_APPROVE,
        "an application's credentials cannot read or answer approvals; use an approver token (`caracal approver add`)");
  }

  /** Three base64url parts with a JSON header: the shape of the STS's session and resource tokens. */
  private static boolean looksLikeJwt(String token) {
    return token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2;
  }
}
