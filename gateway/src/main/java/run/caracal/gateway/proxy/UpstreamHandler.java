package run.caracal.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;
import javax.net.ssl.SSLException;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;

/** The upstream side of one exchange: passes response parts to the client handler. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private final ClientHandler client;
  private final Exchange exchange;
  private boolean complete;
  private boolean tlsFailed;

  UpstreamHandler(ClientHandler client, Exchange exchange) {
    this.client = client;
    this.exchange = exchange;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpObject o) {
      if (o.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        client.upstreamFailed(exchange, GatewayException.of(Reason.UPSTREAM_MALFORMED, "the upstream sent a malformed response"));
        return;
      }
      complete |= o instanceof LastHttpContent;
      client.fromUpstream(exchange, o);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    client.flushToClient();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    client.upstreamWritable();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
      tlsFailed(ctx, done.cause());
      return;
    }
    if (evt instanceof IdleStateEvent) {
      client.upstreamFailed(exchange, GatewayException.of(Reason.UPSTREAM_IDLE_TIMEOUT, "the upstream went idle"));
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!complete) {
      client.upstreamFailed(exchange, GatewayException.of(Reason.UPSTREAM_CLOSED, "the upstream closed the connection early"));
    }
  }

  /** The certificate or protocol problem in words (never the JDK's own text, which names its classes). */
  static String tlsReason(Throwable cause) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = cause; t != null && all.length() < 4096; t = t.getCause() == t ? null : t.getCause()) {
      all.append(' ').append(t.getMessage());
    }
    String m = all.toString().toLowerCase(Locale.ROOT);
    if (m.contains("subject alternative") || m.contains("doesn't match") || m.contains("does not match")) {
      return "its certificate does not name the upstream's host";
    }
    if (m.contains("pkix") || m.contains("certification path") || m.contains("unable to find valid") || m.contains("certificate")) {
      return "its certificate is not trusted (add its CA with CARACAL_UPSTREAM_CA_FILE)";
    }
    if (m.contains("protocol") || m.contains("cipher")) {
      return "no TLS protocol or cipher both sides support";
    }
    return "the handshake did not complete";
  }

  private void tlsFailed(ChannelHandlerContext ctx, Throwable cause) {
    if (!tlsFailed) {
      tlsFailed = true;
      client.upstreamFailed(exchange, new GatewayException(502, "bad_gateway", "upstream_tls_failed",
          "the TLS handshake with the upstream failed: " + tlsReason(cause)));
    }
    ctx.close();
  }

  private static boolean isTls(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (tlsFailed || isTls(cause)) {
      tlsFailed(ctx, cause);
      return;
    }
    client.upstreamFailed(exchange, GatewayException.of(Reason.UPSTREAM_ERROR, "upstream connection failed"));
    ctx.close();
  }
}
