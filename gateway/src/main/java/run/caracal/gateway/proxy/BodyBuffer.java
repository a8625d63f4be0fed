package run.caracal.gateway.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.authz.GatewayRequest;

/**
 * A request body read whole before the decision (an MCP message, a JSON body a rule inspects, a
 * body an approval binds): the parts as they arrive, up to a limit, then their bytes for the
 * request to decide. The parts are kept as read and, once allowed, forwarded unchanged. Made for
 * an exchange that buffers and owned by it until replayed or released; confined to the
 * connection's event loop.
 */
final class BodyBuffer {
  private final GatewayRequest request;
  private final int limit;
  private final List<HttpContent> parts = new ArrayList<>();
  private long bytes;

  /** Reads the body of {@code request} up to {@code limit} bytes. */
  BodyBuffer(GatewayRequest request, int limit) {
    this.request = request;
    this.limit = limit;
  }

  /** Keeps {@code content}; false when the body is now past the limit (the parts stay until released). */
  boolean add(HttpContent content) {
    parts.add(content);
    bytes += content.content().readableBytes();
    return bytes <= limit;
  }

  /** The refusal of a body past the limit: 413 `body_too_large`. */
  GatewayException tooLarge() {
    return tooLarge(limit);
  }

  /** The refusal of a body past {@code limit} bytes: 413 `body_too_large`. */
  static GatewayException tooLarge(long limit) {
    return new GatewayException(413, "payload_too_large", "body_too_large",
        "this resource reads bodies up to " + limit + " bytes before deciding");
  }

  /** The request without its body. */
  GatewayRequest request() {
    return request;
  }

  /** The request to decide, carrying the whole body (once its last part was added). */
  GatewayRequest requestWithBody() {
    return request.withBody(join(parts, bytes));
  }

  /** Puts the parts back at the head of {@code inbound}, in order, to be forwarded as if just read. */
  void replayInto(ArrayDeque<HttpObject> inbound) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      inbound.addFirst(parts.get(i));
    }
    parts.clear();
  }

  /** Lets go of the parts not replayed. */
  void release() {
    parts.forEach(ReferenceCountUtil::release);
    parts.clear();
  }

  /** The readable bytes of {@code parts} ({@code size} in all), in order; the parts are left as they are. */
  static byte[] join(List<HttpContent> parts, long size) {
    byte[] body = new byte[(int) size];
    int at = 0;
    for (HttpContent c : parts) {
      int n = c.content().readableBytes();
      c.content().getBytes(c.content().readerIndex(), body, at, n);
      at += n;
    }
    return body;
  }
}
