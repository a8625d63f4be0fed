package run.caracal.sts.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import run.caracal.control.db.Ids;
import run.caracal.sts.RequestContext;

/**
 * Gives every request an id (returned as `X-Caracal-Request-Id`) and a W3C trace id (from an
 * incoming `traceparent`, or new), available to handlers as a {@link RequestContext}.
 */
@ServerFilter("/**")
public final class RequestIds {
  public static final String HEADER = "X-Caracal-Request-Id";
  private static final String ATTRIBUTE = "caracal.request";
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  @RequestFilter
  public void assign(HttpRequest<?> request) {
    String traceId = null;
    String traceparent = request.getHeaders().get("traceparent");
    if (traceparent != null) {
      var m = TRACEPARENT.matcher(traceparent.trim());
      if (m.matches() && !m.group(1).equals("0".repeat(32))) {
        traceId = m.group(1);
      }
    }
    if (traceId == null) {
      byte[] bytes = new byte[16];
      RANDOM.nextBytes(bytes);
      traceId = HexFormat.of().formatHex(bytes);
    }
    String ip = request.getRemoteAddress() == null || request.getRemoteAddress().getAddress() == null ? ""
        : request.getRemoteAddress().getAddress().getHostAddress();
    request.setAttribute(ATTRIBUTE, new RequestContext(Ids.newRequestId(), traceId, ip));
  }

  @ResponseFilter
  public void stamp(HttpRequest<?> request, MutableHttpResponse<?> response) {
    response.header(HEADER, of(request).requestId());
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
