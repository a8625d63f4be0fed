package run.caracal.control.pipeline;

import java.util.Optional;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;

/**
 * How the pipeline finds a person's approval for a request a `require_approval` rule holds: the
 * edge knows how to bind an approval to its exact request. Implementations are thread-safe.
 */
public interface Approvals {
  /** No approvals: a held request stays held (the STS, and edges without an approval store). */
  Approvals NONE = new Approvals() {
    @Override
    public Optional<String> approved(DecisionInput input, Decision held) {
      return Optional.empty();
    }

    @Override
    public boolean use(String approvalId) {
      return false;
    }
  };

  /** The id of an approved, unexpired approval of exactly this request, when there is one (not used yet). */
  Optional<String> approved(DecisionInput input, Decision held);

  /**
   * Uses the approval for this request, before its decision is recorded; false when it can no
   * longer be used (a `once` approval an identical concurrent request used first).
   */
  boolean use(String approvalId);
}
