package run.caracal.control.pipeline.memory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import run.caracal.control.pipeline.DecisionLog;
import run.caracal.decision.DecisionRecord;

/** Decision records kept in a list, for tests; can be told to fail like a ledger that cannot commit. Thread-safe. */
public final class MemoryDecisionLog implements DecisionLog {
  private final List<DecisionRecord> records = new CopyOnWriteArrayList<>();
  private volatile boolean failing;

  @Override
  public CompletableFuture<Void> append(DecisionRecord record, Optional<String> tokenId) {
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("the log cannot commit"));
    }
    records.add(record);
    return CompletableFuture.completedFuture(null);
  }

  /** Makes every append fail (true) or succeed again (false). */
  public void failing(boolean value) {
    failing = value;
  }

  public List<DecisionRecord> records() {
    return List.copyOf(records);
  }

  public DecisionRecord last() {
    return records.get(records.size() - 1);
  }
}
