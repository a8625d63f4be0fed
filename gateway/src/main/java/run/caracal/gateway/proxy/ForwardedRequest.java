package run.caracal.gateway.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import run.caracal.gateway.authz.Authorized;

/**
 * The request head the upstream receives: the client's headers without hop-by-hop headers, its
 * `Authorization`, `Expect`, `X-Caracal-*` and any forwarding headers it claimed; then the
 * upstream's `Host`, the Caracal request id, a `traceparent` continuing the client's trace, our
 * own `X-Forwarded-*`, and the resource's upstream credential when it has one. Also the trace id
 * a request carries and the headers as the decision sees them.
 */
final class ForwardedRequest {
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ForwardedRequest() {}

  /** The upstream's request head for {@code in}, authorized as {@code a}. */
  static HttpRequest of(HttpRequest in, Authorized a, String requestId, String traceId, String clientIp) {
    DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), a.upstreamPath());
    HttpHeaders h = out.headers();
    h.set(in.headers());
    boolean chunked = HttpUtil.isTransferEncodingChunked(in);
    Hop.strip(h);
    h.remove(HttpHeaderNames.AUTHORIZATION);
    h.remove(HttpHeaderNames.EXPECT);
    for (String name : h.names().toArray(String[]::new)) {
      if (name.toLowerCase(Locale.ROOT).startsWith("x-caracal-") || name.toLowerCase(Locale.ROOT).startsWith("x-forwarded-")
          || name.equalsIgnoreCase("forwarded")) {
        h.remove(name);
      }
    }
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    String host = a.upstream().getHost() + (a.upstream().getPort() > 0 ? ":" + a.upstream().getPort() : "");
    h.set(HttpHeaderNames.HOST, host);
    h.set("X-Request-Id", requestId);
    h.set("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01");
    h.set("X-Forwarded-For", clientIp);
    h.set("X-Forwarded-Proto", "http");
    String clientHost = in.headers().get(HttpHeaderNames.HOST);
    if (clientHost != null) {
      h.set("X-Forwarded-Host", clientHost);
    }
    a.credential().ifPresent(c -> h.set(HttpHeaderNames.AUTHORIZATION, c.contains(" ") ? c : "Bearer " + c));
    return out; // HTTP/1.1 without `Connection: close`: the connection may serve the next request
  }

  static Map<String, String> headerMap(HttpHeaders headers) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers) {
      out.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
    }
    return out;
  }

  static String traceId(HttpHeaders headers) {
    String tp = headers.get("traceparent");
    if (tp != null) {
      var m = TRACEPARENT.matcher(tp.trim());
      if (m.matches() && !m.group(1).equals("0".repeat(32))) {
        return m.group(1);
      }
    }
    return randomHex(16);
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
