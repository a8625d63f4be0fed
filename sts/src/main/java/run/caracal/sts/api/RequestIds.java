package run.caracal.sts.api;

import io.micronaut.core.propagation.MutablePropagatedContext;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;
import run.caracal.control.db.Ids;
import run.caracal.control.trace.Tracing;
import run.caracal.sts.RequestContext;

/**
 * Gives every request an id (returned as `X-Caracal-Request-Id`) and a W3C trace id (from an
 * incoming `traceparent`, or new), available to handlers as a {@link RequestContext}. With
 * tracing on, also its server span `sts METHOD /route` (continuing the caller's trace, so the
 * trace id is the span's), current on the handler's thread and ended with the response; the
 * trace id is in the handler's log lines either way. Health, readiness and metrics requests are
 * not traced.
 */
@ServerFilter("/**")
public final class RequestIds {
  public static final String HEADER = "X-Caracal-Request-Id";
  private static final String ATTRIBUTE = "caracal.request";
  private static final String SPAN = "caracal.span";
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Probes and scrapes, not traced. */
  private static final Set<String> UNTRACED = Set.of("/health", "/ready", "/metrics");

  private final Tracing tracing;

  public RequestIds(StsContext sts) {
    this.tracing = sts.control().tracing();
  }

  @RequestFilter
  public void assign(HttpRequest<?> request, MutablePropagatedContext propagated) {
    Span span = UNTRACED.contains(request.getPath()) ? Span.getInvalid()
        : tracing.serverSpan("sts " + request.getMethodName() + " " + BasicHttpAttributes.getUriTemplate(request)
            .orElse(request.getPath()), name -> request.getHeaders().get(name));
    String traceId = Tracing.traceId(span).orElseGet(() -> traceId(request.getHeaders().get("traceparent")));
    String ip = request.getRemoteAddress() == null || request.getRemoteAddress().getAddress() == null ? ""
        : request.getRemoteAddress().getAddress().getHostAddress();
    RequestContext ctx = new RequestContext(Ids.newRequestId(), traceId, ip);
    request.setAttribute(ATTRIBUTE, ctx);
    if (span.isRecording()) {
      span.setAttribute(Tracing.REQUEST_ID, ctx.requestId());
      span.setAttribute(Tracing.HTTP_METHOD, request.getMethodName());
      request.setAttribute(SPAN, span);
    }
    propagated.add(new TraceElement(span, traceId));
  }

  @ResponseFilter
  public void stamp(HttpRequest<?> request, MutableHttpResponse<?> response) {
    response.header(HEADER, of(request).requestId());
    request.getAttribute(SPAN, Span.class).ifPresent(span -> {
      request.removeAttribute(SPAN, Span.class);
      span.setAttribute(Tracing.HTTP_STATUS, (long) response.code());
      if (response.code() >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    });
  }

  /** The trace id of a valid `traceparent`, else a new one. */
  private static String traceId(String traceparent) {
    if (traceparent != null) {
      var m = TRACEPARENT.matcher(traceparent.trim());
      if (m.matches() && !m.group(1).equals("0".repeat(32))) {
        return m.group(1);
      }
    }
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The request's context (assigned by this filter). */
  public static RequestContext of(HttpRequest<?> request) {
    return request.getAttribute(ATTRIBUTE, RequestContext.class)
        .orElseGet(() -> {
          RequestContext ctx = new RequestContext(Ids.newRequestId(), HexFormat.of().formatHex(new byte[16]), "");
          request.setAttribute(ATTRIBUTE, ctx);
          return ctx;
        });
  }
}
