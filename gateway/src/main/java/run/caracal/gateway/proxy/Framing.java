package run.caracal.gateway.proxy;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Locale;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;

/**
 * The framing rules a request must pass before anything else: one unambiguous body length (a
 * single `chunked`, or one plain `Content-Length` within the limit, never both), HTTP/1.x, and
 * `Authorization`, `Host` and `X-Caracal-Resource` at most once. Refusals name the header in our
 * own words, never the decoder's.
 */
final class Framing {
  private Framing() {}

  /**
   * Refuses {@code request} when its framing is ambiguous, malformed or too large.
   *
   * @throws GatewayException 400 `ambiguous_framing`, `malformed_request`, `duplicate_header`,
   *     431 `headers_too_large` or 413 `body_too_large`
   */
  static void check(HttpRequest request, long maxBodyBytes) throws GatewayException {
    if (request.decoderResult().isFailure()) {
      Throwable cause = request.decoderResult().cause();
      String detail = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
      if (cause instanceof StrictRequestDecoder.AmbiguousFraming) {
        throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "content-length together with transfer-encoding is refused");
      }
      if (detail.contains("transfer-encoding")) {
        throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "the transfer-encoding header is malformed");
      }
      if (detail.contains("content-length")) {
        throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "the content-length header is malformed or repeated");
      }
      if (cause instanceof TooLongFrameException) {
        throw GatewayException.of(Reason.HEADERS_TOO_LARGE, "request line or headers are too large");
      }
      throw GatewayException.of(Reason.MALFORMED_REQUEST, "the request line or headers cannot be parsed");
    }
    if (request.protocolVersion() != HttpVersion.HTTP_1_1 && request.protocolVersion() != HttpVersion.HTTP_1_0) {
      throw GatewayException.of(Reason.MALFORMED_REQUEST, "unsupported http version");
    }
    HttpHeaders h = request.headers();
    var te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!te.isEmpty() && (te.size() > 1 || !te.get(0).equalsIgnoreCase("chunked"))) {
      throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "transfer-encoding other than a single `chunked` is refused");
    }
    var cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
    if (cl.size() > 1) {
      throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "duplicate content-length is refused");
    }
    if (cl.size() == 1) {
      long length;
      try {
        length = Long.parseLong(cl.get(0).trim());
      } catch (NumberFormatException e) {
        throw GatewayException.of(Reason.AMBIGUOUS_FRAMING, "invalid content-length");
      }
      if (length > maxBodyBytes) {
        throw GatewayException.of(Reason.BODY_TOO_LARGE, "request body exceeds " + maxBodyBytes + " bytes");
      }
    }
    if (h.getAll("X-Caracal-Resource").size() > 1 || h.getAll(HttpHeaderNames.AUTHORIZATION).size() > 1
        || h.getAll(HttpHeaderNames.HOST).size() > 1) {
      throw GatewayException.of(Reason.DUPLICATE_HEADER, "Authorization, Host and X-Caracal-Resource must appear once");
    }
  }
}
