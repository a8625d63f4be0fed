package run.caracal.gateway.proxy;

import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.util.Optional;
import run.caracal.control.trace.Tracing;
import run.caracal.gateway.authz.Authorized;

/**
 * The spans of one Gateway exchange: the server span `gateway METHOD` (continuing the client's
 * `traceparent`) and, once authorized, its `caracal.upstream` client span, whose id the upstream
 * receives as the parent in its `traceparent`. {@link #OFF} when tracing is off: every method
 * returns at once. Used on the connection's event loop, except {@link #wrap} on a worker.
 */
final class ExchangeTrace {
  static final ExchangeTrace OFF = new ExchangeTrace(Tracing.NOOP, Span.getInvalid());

  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("caracal.outcome");
  private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  private final Tracing tracing;
  private final Span server;
  private Span upstream = Span.getInvalid();
  private boolean ended;

  private ExchangeTrace(Tracing tracing, Span server) {
    this.tracing = tracing;
    this.server = server;
  }

  static ExchangeTrace begin(Tracing tracing, HttpRequest request, String requestId) {
    if (!tracing.enabled()) {
      return OFF;
    }
    Span span = tracing.serverSpan("gateway " + request.method().name(), request.headers()::get);
    span.setAttribute(Tracing.REQUEST_ID, requestId);
    span.setAttribute(Tracing.HTTP_METHOD, request.method().name());
    return new ExchangeTrace(tracing, span);
  }

  /** The trace id of the server span, when tracing is on. */
  Optional<String> traceId() {
    return Tracing.traceId(server);
  }

  /** {@code task} run with the server span current and {@code traceId} in the log lines. */
  Runnable wrap(String traceId, Runnable task) {
    return () -> {
      try (Scope ignored = Tracing.attach(server, traceId)) {
        task.run();
      }
    };
  }

  /** The upstream call begins (connecting, or taking a pooled connection). */
  void upstreamStarted(Authorized a) {
    if (this == OFF) {
      return;
    }
    upstream = tracing.child("caracal.upstream", server, SpanKind.CLIENT);
    upstream.setAttribute(Tracing.RESOURCE, a.resourceId());
    upstream.setAttribute(SERVER_ADDRESS, a.upstream().getHost());
    upstream.setAttribute(SERVER_PORT, (long) a.address().getPort());
  }

  /** The `traceparent` the upstream receives: the upstream span as its parent. */
  Optional<String> upstreamTraceparent() {
    return Tracing.traceparent(upstream);
  }

  /** The exchange ended with {@code status} to the client; {@code outcome} is `completed` or why not. Once. */
  void end(int status, int upstreamStatus, String outcome) {
    if (this == OFF || ended) {
      return;
    }
    ended = true;
    if (upstream.getSpanContext().isValid()) {
      if (upstreamStatus > 0) {
        upstream.setAttribute(Tracing.HTTP_STATUS, (long) upstreamStatus);
      }
      if (!outcome.equals("completed")) {
        upstream.setStatus(StatusCode.ERROR, outcome);
      }
      upstream.end();
    }
    if (status > 0) {
      server.setAttribute(Tracing.HTTP_STATUS, (long) status);
    }
    server.setAttribute(OUTCOME, outcome);
    if (status >= 500 || status == 0) {
      server.setStatus(StatusCode.ERROR, outcome);
    }
    server.end();
  }
}
