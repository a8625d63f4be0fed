package run.caracal.gateway.proxy;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The response head the client receives for a streamed upstream answer: the upstream's headers
 * without hop-by-hop headers, chunked framing when the upstream gave no length, the Caracal
 * request id, and `Connection: close` when the client did not ask for keep-alive. Also whether the
 * upstream connection may serve another request after the answer. The counterpart of
 * {@link ForwardedRequest}.
 */
final class ForwardedResponse {
  private ForwardedResponse() {}

  /** Whether {@code response} to {@code request} has no body whatever its headers say (HEAD, 1xx, 204, 304). */
  static boolean bodiless(HttpRequest request, HttpResponse response) {
    int code = response.status().code();
    return request.method().name().equals("HEAD") || code == 204 || code == 304 || (code >= 100 && code < 200);
  }

  /**
   * Whether the upstream connection can be reused after {@code response}: it allows keep-alive
   * and its end is known (a length, chunked, or no body).
   */
  static boolean reusable(HttpResponse response, boolean bodiless) {
    return HttpUtil.isKeepAlive(response) && (response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
        || HttpUtil.isTransferEncodingChunked(response) || bodiless);
  }

  /** The client's head for the upstream's {@code response}. */
  static HttpResponse head(HttpResponse response, boolean bodiless, String requestId, boolean keepAlive) {
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status());
    out.headers().set(response.headers());
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    Hop.strip(out.headers());
    if (chunked || (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && !bodiless)) {
      out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    out.headers().set(Responses.REQUEST_ID, requestId);
    if (!keepAlive) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return out;
  }
}
