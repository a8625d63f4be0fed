package run.caracal.control.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import run.caracal.control.pipeline.DecisionLog;
import run.caracal.control.pipeline.Outcome;

/** The no-op tracing the process runs with when no exporter is configured. */
class TracingTest {
  @Test
  void noop_ignoresTheCallersTraceparent_andBuildsNoSpan() {
    var span = Tracing.NOOP.serverSpan("gateway GET",
        Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")::get);
    assertFalse(span.getSpanContext().isValid());
    assertEquals(Optional.empty(), Tracing.traceId(span));
    assertEquals(Optional.empty(), Tracing.traceparent(span));
    assertFalse(Tracing.NOOP.enabled());
  }

  @Test
  void noopDecision_returnsThePipelinesFutureItself() {
    CompletableFuture<Outcome> decided = new CompletableFuture<>();
    assertSame(decided, Tracing.NOOP.decision(() -> decided));
  }

  @Test
  void tracedDecisionLog_isTheLogItselfWhenTracingIsOff() {
    DecisionLog log = (record, tokenId) -> CompletableFuture.completedFuture(null);
    assertSame(log, TracedDecisionLog.wrap(log, Tracing.NOOP));
  }
}
