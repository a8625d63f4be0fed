package run.caracal.control.pipeline;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import run.caracal.decision.DecisionRecord;

/** Where decision records are made durable. Thread-safe. */
public interface DecisionLog {
  /**
   * Appends a record; the future completes when it is durable, or exceptionally when it cannot
   * be. {@code tokenId} is the `jti` of the token the decision concerns (the log stores only its
   * fingerprint) so the STS issue and the Gateway calls with that token join up.
   */
  CompletableFuture<Void> append(DecisionRecord record, Optional<String> tokenId);
}
