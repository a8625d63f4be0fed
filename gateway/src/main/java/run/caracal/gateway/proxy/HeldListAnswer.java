package run.caracal.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import run.caracal.gateway.mcp.ListFilter;

/**
 * An MCP list answer (tools, prompts, resources) held back from the client: read whole, up to
 * {@link #MAX_BYTES}, filtered for the caller off the event loop, and sent with its new length, so
 * nothing of it reaches the client unfiltered. Made at the answer's head and owned by its exchange;
 * confined to the connection's event loop except for the filtering.
 */
final class HeldListAnswer {
  static final int MAX_BYTES = 16 * 1024 * 1024;

  private final HttpResponse head;
  private final List<HttpContent> parts = new ArrayList<>();
  private long bytes;

  HeldListAnswer(HttpResponse head) {
    this.head = head;
  }

  HttpResponse head() {
    return head;
  }

  /** Keeps {@code content}; false, with every part released, when the answer is now past {@link #MAX_BYTES}. */
  boolean add(HttpContent content) {
    parts.add(content);
    bytes += content.content().readableBytes();
    if (bytes > MAX_BYTES) {
      release();
      return false;
    }
    return true;
  }

  /**
   * Filters the whole answer (its last part was added) with {@code filter} on {@code blocking},
   * then hands the result to {@link ClientHandler#listFiltered} on {@code loop}: null when the
   * answer could not be read. The parts are released here.
   */
  void filter(ListFilter filter, Executor blocking, EventExecutor loop, ClientHandler client, Exchange ex) {
    byte[] body = BodyBuffer.join(parts, bytes);
    release();
    String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
    blocking.execute(() -> {
      ListFilter.Filtered filtered;
      try {
        filtered = filter.apply(body, contentType);
      } catch (IOException | RuntimeException e) {
        filtered = null;
      }
      ListFilter.Filtered result = filtered;
      loop.execute(() -> client.listFiltered(ex, result));
    });
  }

  /** The answer the client receives: the upstream's head without hop-by-hop headers, the filtered body and its length. */
  FullHttpResponse response(ListFilter.Filtered filtered, String requestId, boolean keepAlive) {
    DefaultFullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
        Unpooled.wrappedBuffer(filtered.body()));
    out.headers().set(head.headers());
    Hop.strip(out.headers());
    out.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    out.headers().set(HttpHeaderNames.CONTENT_LENGTH, filtered.body().length);
    out.headers().set(Responses.REQUEST_ID, requestId);
    if (!keepAlive) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return out;
  }

  /** Lets go of the parts held so far. */
  void release() {
    parts.forEach(ReferenceCountUtil::release);
    parts.clear();
  }
}
