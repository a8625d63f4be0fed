package run.caracal.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import run.caracal.gateway.GatewayException;

/** The upstream side of one exchange: passes response parts to the client handler. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private final ClientHandler client;
  private final ClientHandler.Exchange exchange;
  private boolean complete;

  UpstreamHandler(ClientHandler client, ClientHandler.Exchange exchange) {
    this.client = client;
    this.exchange = exchange;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpObject o) {
      if (o.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        client.upstreamFailed(exchange, new GatewayException(502, "bad_gateway", "upstream_malformed", "the upstream sent a malformed response"));
        return;
      }
      complete |= o instanceof io.netty.handler.codec.http.LastHttpContent;
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
    if (evt instanceof IdleStateEvent) {
      client.upstreamFailed(exchange, new GatewayException(504, "gateway_timeout", "upstream_idle_timeout", "the upstream went idle"));
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!complete) {
      client.upstreamFailed(exchange, new GatewayException(502, "bad_gateway", "upstream_closed", "the upstream closed the connection early"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    client.upstreamFailed(exchange, new GatewayException(502, "bad_gateway", "upstream_error", "upstream connection failed"));
    ctx.close();
  }
}
