package run.caracal.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import run.caracal.control.db.Ids;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.authz.Authorized;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.authz.GatewayRequest;
import run.caracal.gateway.mcp.ListFilter;
import run.caracal.gateway.net.UpstreamTls;

/**
 * One client connection. Each request is checked for framing, authorized off the event loop
 * (reading paused meanwhile), and only then forwarded: head first, then the body streamed as it
 * arrives, with back-pressure both ways; the upstream response streams back. Requests on one
 * connection are handled one at a time (pipelined requests wait in order). Confined to the
 * channel's event loop except for the authorization task.
 *
 * <p>This class is the state machine (its {@code State}) and the back-pressure; each step around it
 * is its own class: {@link Framing} checks the head, {@link OwnEndpoints} answers the Gateway's
 * probes, {@link BodyBuffer} reads a body the decision needs, {@link UpstreamConnector} opens the
 * upstream side, {@link ForwardedRequest} and {@link ForwardedResponse} shape the heads each side
 * receives, {@link RevocationWatch} re-checks a streaming response, {@link HeldListAnswer}
 * filters an MCP list answer, and {@link Exchange} holds the request in flight.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private enum State { IDLE, AUTHORIZING, BUFFERING, FORWARDING_BODY, AWAITING_RESPONSE, CLOSING }

  /** Bodies of known length up to this size are read before the decision (see {@link #start}). */
  static final int EARLY_BODY_BYTES = 64 * 1024;

  private final GatewayAuthorizer authorizer;
  private final Executor blocking;
  private final GatewaySettings settings;
  private final ResultRecorder results;
  private final UpstreamTls tls;
  private final UpstreamPool pool = UpstreamPool.current(); // built on the connection's event loop
  private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>();

  private ChannelHandlerContext ctx;
  private State state = State.IDLE;
  private Channel upstream;
  private Exchange exchange;

  ClientHandler(GatewayAuthorizer authorizer, Executor blocking, GatewaySettings settings, ResultRecorder results,
      UpstreamTls tls) {
    this.authorizer = authorizer;
    this.blocking = blocking;
    this.settings = settings;
    this.results = results;
    this.tls = tls;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject o) || state == State.CLOSING) {
      ReferenceCountUtil.release(msg);
      return;
    }
    inbound.add(o);
    drain();
  }

  private void drain() {
    while (!inbound.isEmpty() && state != State.CLOSING) {
      HttpObject next = inbound.peek();
      if (state == State.IDLE) {
        inbound.poll();
        if (next instanceof HttpRequest request) {
          start(request);
        } else {
          ReferenceCountUtil.release(next);
        }
      } else if (state == State.BUFFERING && next instanceof HttpContent content) {
        inbound.poll();
        buffer(content);
      } else if (state == State.FORWARDING_BODY && next instanceof HttpContent content) {
        if (!upstream.isWritable()) {
          ctx.channel().config().setAutoRead(false);
          return;
        }
        inbound.poll();
        forwardContent(content);
      } else {
        return;
      }
    }
  }

  private void start(HttpRequest request) {
    exchange = new Exchange();
    exchange.request = request;
    exchange.requestId = Ids.newRequestId();
    // probes of the Gateway's own endpoints are not traced
    exchange.trace = OwnEndpoints.matches(request) ? ExchangeTrace.OFF
        : ExchangeTrace.begin(authorizer.tracing(), request, exchange.requestId);
    exchange.traceId = exchange.trace.traceId().orElseGet(() -> ForwardedRequest.traceId(request.headers()));
    exchange.keepAlive = HttpUtil.isKeepAlive(request);
    try {
      Framing.check(request, settings.maxBodyBytes());
    } catch (GatewayException e) {
      ReferenceCountUtil.release(request);
      fail(e);
      return;
    }
    state = State.AUTHORIZING;
    ctx.channel().config().setAutoRead(false);
    if (OwnEndpoints.matches(request)) {
      ReferenceCountUtil.release(request);
      String requestId = exchange.requestId;
      OwnEndpoints.answer(request, requestId, authorizer, blocking, ctx.executor(), response -> {
        response.headers().set(Responses.REQUEST_ID, requestId);
        state = State.CLOSING;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      });
      return;
    }
    GatewayRequest gatewayRequest = new GatewayRequest(request.method().name(), request.uri(), ForwardedRequest.headerMap(request.headers()),
        clientIp(), exchange.requestId, exchange.traceId, Optional.empty());
    Exchange current = exchange;
    long length = HttpUtil.getContentLength(request, -1L);
    if (length > 0 && length <= EARLY_BODY_BYTES && !HttpUtil.is100ContinueExpected(request)) {
      // a small body of known length is read before asking whether the decision needs it: one
      // hand-off to a worker instead of three when it does (an MCP message, an inspected body)
      current.readEarly = true;
      startBuffering(current, gatewayRequest, EARLY_BODY_BYTES);
      return;
    }
    blocking.execute(current.trace.wrap(current.traceId, () -> decide(current, gatewayRequest, null)));
  }

  /**
   * On a worker: asks whether the decision needs the body, then decides, or first reads the body
   * on the event loop. {@code read} is the request with its body when it was read early, else null.
   */
  private void decide(Exchange current, GatewayRequest request, GatewayRequest read) {
    OptionalInt limit;
    try {
      limit = authorizer.bufferLimit(request);
    } catch (RuntimeException e) {
      limit = OptionalInt.empty();
    }
    if (limit.isEmpty()) {
      authorize(current, request); // a body read early is forwarded once allowed
    } else if (read == null) {
      int wanted = limit.getAsInt();
      ctx.executor().execute(() -> startBuffering(current, request, wanted));
    } else if (read.body().orElseThrow().length > limit.getAsInt()) {
      GatewayException tooLarge = BodyBuffer.tooLarge(limit.getAsInt());
      ctx.executor().execute(() -> {
        if (current == exchange && state == State.AUTHORIZING) {
          fail(tooLarge);
        }
      });
    } else {
      authorize(current, read);
    }
  }

  /**
   * Runs the decision on a worker thread; once its event is durable (the worker is not held
   * meanwhile), forwards or refuses on the event loop.
   */
  private void authorize(Exchange current, GatewayRequest gatewayRequest) {
    CompletableFuture<Authorized> decided;
    try {
      decided = authorizer.authorize(gatewayRequest);
    } catch (RuntimeException e) {
      decided = CompletableFuture.failedFuture(e);
    }
    decided.whenComplete((authorized, error) -> ctx.executor().execute(() -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        fail(cause instanceof GatewayException e ? e
            : GatewayException.of(Reason.GATEWAY_UNAVAILABLE, "the gateway could not decide; nothing was forwarded"));
        return;
      }
      if (current == exchange && state == State.AUTHORIZING) {
        current.authorized = authorized;
        if (current.body != null) {
          current.body.replayInto(inbound);
          current.body = null;
        }
        UpstreamConnector.connect(this, current, ctx.channel().eventLoop(), pool, settings, tls);
      }
    }));
  }

  /**
   * The decision needs this body (an MCP message, an inspected JSON body): read it whole (up to
   * {@code limit} bytes, 413 beyond) before deciding, then forward what was read.
   */
  private void startBuffering(Exchange ex, GatewayRequest request, int limit) {
    if (ex != exchange || state != State.AUTHORIZING) {
      return;
    }
    ex.body = new BodyBuffer(request, limit);
    state = State.BUFFERING;
    ctx.channel().config().setAutoRead(true);
    drain();
  }

  private void buffer(HttpContent content) {
    Exchange ex = exchange;
    if (!ex.body.add(content)) {
      fail(ex.body.tooLarge());
      return;
    }
    if (content instanceof LastHttpContent) {
      GatewayRequest withBody = ex.body.requestWithBody();
      state = State.AUTHORIZING;
      ctx.channel().config().setAutoRead(false);
      if (ex.readEarly) {
        GatewayRequest plain = ex.body.request();
        blocking.execute(ex.trace.wrap(ex.traceId, () -> decide(ex, plain, withBody)));
      } else {
        blocking.execute(ex.trace.wrap(ex.traceId, () -> authorize(ex, withBody)));
      }
    }
  }

  /** Whether {@code ex} is still the exchange in flight (callbacks of one that is over are dropped). */
  boolean isCurrent(Exchange ex) {
    return ex == exchange;
  }

  /** The upstream connection for {@code ex} is ready: sends the request head, then the body as it arrives. */
  void connected(Exchange ex, Channel channel) {
    upstream = channel;
    HttpRequest head = ForwardedRequest.of(ex.request, ex.authorized, ex.requestId, ex.traceId, clientIp());
    ex.trace.upstreamTraceparent().ifPresent(tp -> head.headers().set("traceparent", tp));
    upstream.write(head);
    state = State.FORWARDING_BODY;
    if (HttpUtil.is100ContinueExpected(ex.request)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    drain();
    upstream.flush();
    if (state == State.FORWARDING_BODY) {
      ctx.channel().config().setAutoRead(upstream.isWritable());
    }
  }

  private void forwardContent(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      // the decoder ends a broken body (say, an invalid chunk size) with an empty last part:
      // forwarding it would hand the upstream a truncated body framed as complete
      ReferenceCountUtil.release(content);
      fail(GatewayException.of(Reason.MALFORMED_REQUEST, "malformed request body"));
      return;
    }
    exchange.bytesIn += content.content().readableBytes();
    if (exchange.bytesIn > settings.maxBodyBytes()) {
      ReferenceCountUtil.release(content);
      fail(GatewayException.of(Reason.BODY_TOO_LARGE, "request body exceeds " + settings.maxBodyBytes() + " bytes"));
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (last && !((LastHttpContent) content).trailingHeaders().isEmpty()) {
      // request trailers are fields no check has seen (a trailer `Authorization` would slip past the
      // header rules), and many upstreams cannot parse them: they are dropped, as nginx does
      ((LastHttpContent) content).trailingHeaders().clear();
    }
    upstream.write(content);
    if (last) {
      upstream.flush();
      state = State.AWAITING_RESPONSE;
      UpstreamConnector.awaitFirstByte(this, exchange, ctx.executor(), settings);
    } else if (!upstream.isWritable()) {
      upstream.flush();
    }
  }

  /** Upstream writability changed: resume reading the client when it drained. */
  void upstreamWritable() {
    if (state == State.FORWARDING_BODY && upstream != null && upstream.isWritable()) {
      drain();
      upstream.flush();
      if (state == State.FORWARDING_BODY) {
        ctx.channel().config().setAutoRead(true);
      }
    }
  }

  /** The end of a read batch: what was read of the body goes upstream now, not when 64 KB piled up. */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.FORWARDING_BODY && upstream != null) {
      upstream.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Called by the upstream handler for each response part. */
  void fromUpstream(Exchange ex, HttpObject part) {
    if (ex != exchange || state == State.CLOSING || ex.upstreamDone) {
      ReferenceCountUtil.release(part);
      ex.upstreamKeepAlive = false; // bytes after the end of the response: the connection is not reused
      return;
    }
    if (ex.authorized.listFilter().isPresent() && (ex.held != null || part instanceof HttpResponse r && r.status().code() == 200)) {
      hold(ex, part);
      return;
    }
    if (part instanceof HttpResponse response) {
      boolean bodiless = ForwardedResponse.bodiless(ex.request, response);
      ex.upstreamKeepAlive = ForwardedResponse.reusable(response, bodiless);
      ex.responseStarted = true;
      if (ex.firstByteTimer != null) {
        ex.firstByteTimer.cancel(false);
      }
      RevocationWatch.start(this, ex, ctx.executor(), authorizer, blocking);
      ex.upstreamStatus = response.status().code();
      ex.status = ex.upstreamStatus;
      ctx.write(ForwardedResponse.head(response, bodiless, ex.requestId, ex.keepAlive));
    }
    if (part instanceof HttpContent content) {
      ex.bytesOut += content.content().readableBytes();
      boolean last = content instanceof LastHttpContent;
      if (last) {
        ex.upstreamDone = true;
        ctx.writeAndFlush(content).addListener((ChannelFutureListener) f -> finish(ex, "completed"));
      } else {
        ctx.write(content);
        if (!ctx.channel().isWritable()) {
          ctx.flush();
        }
      }
    }
  }

  /**
   * An MCP list answer is held whole ({@link HeldListAnswer}) and filtered for the caller before
   * anything of it reaches the client (an answer too large or unreadable is a 502).
   */
  private void hold(Exchange ex, HttpObject part) {
    if (part instanceof HttpResponse response) {
      ex.held = new HeldListAnswer(response);
      ex.responseStarted = true; // the timer stops: the upstream answered
      if (ex.firstByteTimer != null) {
        ex.firstByteTimer.cancel(false);
      }
      ex.upstreamKeepAlive = ForwardedResponse.reusable(response, false);
    }
    if (!(part instanceof HttpContent content)) {
      return;
    }
    if (!ex.held.add(content)) {
      ex.responseStarted = false;
      fail(GatewayException.of(Reason.UPSTREAM_MALFORMED, "the MCP list answer is larger than the Gateway filters"));
      return;
    }
    if (!(content instanceof LastHttpContent)) {
      return;
    }
    ex.upstreamDone = true;
    ex.held.filter(ex.authorized.listFilter().get(), blocking, ctx.executor(), this, ex);
  }

  /** The held list answer of {@code ex} was filtered ({@code filtered} null when it could not be read): sends it. */
  void listFiltered(Exchange ex, ListFilter.Filtered filtered) {
    if (ex != exchange || state == State.CLOSING) {
      return;
    }
    if (filtered == null) {
      ex.responseStarted = false;
      fail(GatewayException.of(Reason.UPSTREAM_MALFORMED, "the MCP list answer could not be read"));
      return;
    }
    ex.hidden = filtered.hidden();
    ex.upstreamStatus = ex.held.head().status().code();
    ex.status = ex.upstreamStatus;
    ex.bytesOut = filtered.body().length;
    ctx.writeAndFlush(ex.held.response(filtered, ex.requestId, ex.keepAlive))
        .addListener((ChannelFutureListener) f -> finish(ex, "completed"));
  }

  void flushToClient() {
    ctx.flush();
  }

  /** The upstream failed or closed early. */
  void upstreamFailed(Exchange ex, GatewayException e) {
    if (ex != exchange || state == State.CLOSING) {
      return;
    }
    if (ex.responseStarted) {
      results.record(ex.requestId, ex.traceId, ex.authorized, ex.status, ex.upstreamStatus, ex.bytesIn, ex.bytesOut,
          ex.micros(), "aborted");
      ex.trace.end(ex.status, ex.upstreamStatus, "aborted");
      closeAll();
    } else {
      fail(e);
    }
  }

  /** Whether {@code ex} is in flight on a connection that is not closing. */
  boolean isLive(Exchange ex) {
    return ex == exchange && state != State.CLOSING;
  }

  /** The session or token behind {@code ex} was revoked while its response streamed: cuts it. */
  void revoked(Exchange ex) {
    if (isLive(ex)) {
      ex.cancelTimers();
      results.record(ex.requestId, ex.traceId, ex.authorized, ex.status, ex.upstreamStatus, ex.bytesIn, ex.bytesOut,
          ex.micros(), "revoked");
      ex.trace.end(ex.status, ex.upstreamStatus, "revoked");
      closeAll();
    }
  }

  private void finish(Exchange ex, String outcome) {
    if (ex != exchange) {
      return;
    }
    ex.cancelTimers();
    results.record(ex.requestId, ex.traceId, ex.authorized, ex.status, ex.upstreamStatus, ex.bytesIn, ex.bytesOut, ex.micros(), outcome,
        ex.hidden);
    ex.trace.end(ex.status, ex.upstreamStatus, outcome);
    if (upstream != null) {
      // reusable only after a whole request and a whole keep-alive response with definite framing
      if (ex.upstreamDone && ex.upstreamKeepAlive && state == State.AWAITING_RESPONSE) {
        pool.release(ex.upstreamKey, upstream);
      } else {
        upstream.close();
      }
      upstream = null;
    }
    if (!ex.keepAlive || state != State.AWAITING_RESPONSE) {
      closeAll();
      return;
    }
    exchange = null;
    state = State.IDLE;
    drain();
    if (state == State.IDLE) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void fail(GatewayException e) {
    if (state == State.CLOSING) {
      return;
    }
    Exchange ex = exchange;
    if (ex != null) {
      ex.trace.end(e.status(), ex.upstreamStatus, e.reason());
    }
    if (ex != null && ex.authorized != null) {
      results.record(ex.requestId, ex.traceId, ex.authorized, e.status(), ex.upstreamStatus, ex.bytesIn, ex.bytesOut, ex.micros(),
          e.reason());
    }
    if (ex != null && staysOpenAfter(ex, e)) {
      ex.cancelTimers();
      releaseBuffered(ex);
      exchange = null;
      state = State.IDLE;
      ctx.writeAndFlush(Responses.error(e, ex.requestId, false));
      drain(); // a pipelined next request, or the empty end of this one
      if (state == State.IDLE) {
        ctx.channel().config().setAutoRead(true);
      }
      return;
    }
    state = State.CLOSING;
    if (upstream != null) {
      upstream.close();
    }
    releaseAll();
    if (ex != null && ex.responseStarted) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(Responses.error(e, ex == null ? null : ex.requestId, true)).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Whether the connection stays open after refusing {@code ex}: the client asked for keep-alive,
   * nothing went upstream or back yet, the refusal is about the request's authority (token,
   * resource, policy, rate; never its framing or size), and no unread body is left on the
   * connection (none was sent, or it was read whole to be inspected).
   */
  private boolean staysOpenAfter(Exchange ex, GatewayException e) {
    int status = e.status();
    boolean authority = status == 401 || status == 403 || status == 404 || status == 429;
    if (!authority || !ex.keepAlive || ex.responseStarted || upstream != null || ex.authorized != null
        || state != State.AUTHORIZING) {
      return false;
    }
    if (ex.body != null) {
      return true; // read whole to be inspected
    }
    // framing was checked before authorization: one plain Content-Length or chunked
    return !HttpUtil.isTransferEncodingChunked(ex.request) && !ex.request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
        || "0".equals(ex.request.headers().get(HttpHeaderNames.CONTENT_LENGTH));
  }

  private void releaseAll() {
    inbound.forEach(ReferenceCountUtil::release);
    inbound.clear();
    if (exchange != null) {
      releaseBuffered(exchange);
    }
  }

  private static void releaseBuffered(Exchange ex) {
    if (ex.body != null) {
      ex.body.release();
      ex.body = null;
    }
    if (ex.held != null) {
      ex.held.release();
    }
  }

  private void closeAll() {
    state = State.CLOSING;
    if (upstream != null) {
      upstream.close();
    }
    releaseAll();
    ctx.flush();
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.cancelTimers();
      exchange.trace.end(exchange.status, exchange.upstreamStatus, "client_closed");
    }
    state = State.CLOSING;
    if (upstream != null) {
      upstream.close();
    }
    releaseAll();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private String clientIp() {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : "";
  }
}
