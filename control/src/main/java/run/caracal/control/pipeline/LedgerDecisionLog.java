package run.caracal.control.pipeline;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.engine.decision.Phase;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;

/**
 * Decision records as ledger events: `authorization` at phase `issue`, `gateway.decision` at
 * phase `request`, the record as the explanation, the ids the ledger indexes beside it. Thread-safe.
 */
public final class LedgerDecisionLog implements DecisionLog {
  /** Longest wait for a commit before the decision counts as unrecorded. */
  private static final long COMMIT_TIMEOUT_SECONDS = 10;
  private static final int MAX_RESOURCE_CHARS = 1024;
  private final Ledger ledger;

  public LedgerDecisionLog(Ledger ledger) {
    this.ledger = ledger;
  }

  @Override
  public CompletableFuture<Void> append(DecisionRecord r, Optional<String> tokenId) {
    LedgerEvent.Builder event = ledger.newEvent(r.phase() == Phase.ISSUE ? "authorization" : "gateway.decision")
        .requestId(r.requestId()).traceId(r.traceId())
        .decision(r.allowed() ? Decision.ALLOW : Decision.DENY)
        .explanation(DecisionRecordJson.write(r));
    r.app().ifPresent(a -> event.app(a.id()).actor(a.id()).zone(a.zone()));
    r.session().ifPresent(s -> event.sessionId(s.id()));
    if (r.resource().length() <= MAX_RESOURCE_CHARS) {
      event.resource(r.resource());
    }
    if (r.phase() == Phase.REQUEST || r.allowed()) { // a refused issue issued no token
      tokenId.ifPresent(jti -> event.token(Fingerprint.of(jti)));
    }
    return ledger.append(event.build()).orTimeout(COMMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS).thenApply(appended -> null);
  }
}
