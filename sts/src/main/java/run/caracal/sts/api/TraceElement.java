package run.caracal.sts.api;

import io.micronaut.core.propagation.ThreadPropagatedContextElement;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import run.caracal.control.trace.Tracing;

/**
 * Carries a request's server span and trace id to whichever thread runs its handler: the span
 * is current there (so the handler's spans are its children) and the trace id is in the log
 * lines, until Micronaut restores the thread.
 */
record TraceElement(Span span, String traceId) implements ThreadPropagatedContextElement<Scope> {
  @Override
  public Scope updateThreadContext() {
    return Tracing.attach(span, traceId);
  }

  @Override
  public void restoreThreadContext(Scope scope) {
    scope.close();
  }
}
