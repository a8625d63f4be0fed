package run.caracal.control.approval;

import java.time.Instant;
import java.util.List;

/**
 * A named person who answers approvals in one zone, a member of approver groups (the names a
 * require_approval rule's `approvers:` lists). Their token is never part of this record; it works
 * until {@code expiresAt}.
 */
public record Approver(String id, String zoneId, String name, List<String> groups, Instant createdAt, Instant expiresAt) {
  public Approver {
    groups = List.copyOf(groups);
  }

  /** How the ledger and an approval's `decided_by` name this approver. */
  public String actor() {
    return "approver:" + name;
  }
}
