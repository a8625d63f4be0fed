package run.caracal.control.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import run.caracal.control.pipeline.DecisionLog;
import run.caracal.decision.DecisionRecord;

/**
 * A {@link DecisionLog} that times each append in a `caracal.ledger.append` span under the
 * current one (the decision's), from the call until the record is durable. Thread-safe.
 */
public final class TracedDecisionLog implements DecisionLog {
  private final DecisionLog log;
  private final Tracing tracing;

  private TracedDecisionLog(DecisionLog log, Tracing tracing) {
    this.log = log;
    this.tracing = tracing;
  }

  /** {@code log} itself when tracing is off, so the hot path is untouched. */
  public static DecisionLog wrap(DecisionLog log, Tracing tracing) {
    return tracing.enabled() ? new TracedDecisionLog(log, tracing) : log;
  }

  @Override
  public CompletableFuture<Void> append(DecisionRecord record, Optional<String> tokenId) {
    Span span = tracing.child("caracal.ledger.append");
    span.setAttribute(Tracing.REQUEST_ID, record.requestId());
    CompletableFuture<Void> appended;
    try {
      appended = log.append(record, tokenId);
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getMessage() == null ? "" : e.getMessage());
      span.end();
      throw e;
    }
    return appended.whenComplete((ok, error) -> {
      if (error != null) {
        span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
      }
      span.end();
    });
  }
}
