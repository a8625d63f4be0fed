package run.caracal.gateway.proxy;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, but a request carrying both `Content-Length` and
 * `Transfer-Encoding` is marked failed instead of silently dropping `Content-Length` (a request
 * smuggling vector: a peer that trusts the other header frames the body differently). Duplicate
 * or invalid `Content-Length` already fail in the base decoder.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  /** The failure cause for CL + TE. */
  static final class AmbiguousFraming extends RuntimeException {
    AmbiguousFraming() {
      super("both content-length and transfer-encoding", null, false, false);
    }
  }

  StrictRequestDecoder(int maxInitialLine, int maxHeaders, int maxChunk) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(maxInitialLine)
        .setMaxHeaderSize(maxHeaders)
        .setMaxChunkSize(maxChunk)
        .setAllowDuplicateContentLengths(false)
        .setStrictLineParsing(true)
        .setValidateHeaders(true));
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    message.setDecoderResult(DecoderResult.failure(new AmbiguousFraming()));
    super.handleTransferEncodingChunkedWithContentLength(message);
  }
}
