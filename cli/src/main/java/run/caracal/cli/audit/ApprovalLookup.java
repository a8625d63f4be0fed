package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** The control plane's approvals (`/admin/v1/approvals`), as `caracal explain` reads them. */
interface ApprovalLookup {
  /** No approvals known (a ledger read without a server, or an old server). */
  ApprovalLookup NONE = new ApprovalLookup() {
    @Override
    public Optional<JsonNode> byId(String approvalId) {
      return Optional.empty();
    }

    @Override
    public Optional<JsonNode> openedBy(String requestId) {
      return Optional.empty();
    }
  };

  /** An approval by id, when it still exists. */
  Optional<JsonNode> byId(String approvalId);

  /** The approval the request with this id opened, when it opened one. */
  Optional<JsonNode> openedBy(String requestId);
}
