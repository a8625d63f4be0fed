package run.caracal.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.authz.Authorized;
import run.caracal.gateway.net.UpstreamTls;

/**
 * The upstream side of an allowed exchange: an idle keep-alive connection from the event loop's
 * pool when there is one, else a new connection on the client's own event loop (so both sides of
 * an exchange share one thread) with the connect timeout, TLS for `https` upstreams, the idle
 * timeout and an HTTP client codec. The connection goes to {@link ClientHandler#connected}, a
 * failure to {@link ClientHandler#upstreamFailed} (502 `upstream_unreachable`). Also the
 * first-byte timer: once the request went whole, the upstream must start its answer in time (504
 * `upstream_timeout`). Holds no state; called on the client's event loop.
 */
final class UpstreamConnector {
  private UpstreamConnector() {}

  /** Connects {@code ex} to its authorized upstream, taking a pooled connection first. */
  static void connect(ClientHandler client, Exchange ex, EventLoop loop, UpstreamPool pool, GatewaySettings settings,
      UpstreamTls tls) {
    Authorized a = ex.authorized;
    boolean https = "https".equalsIgnoreCase(a.upstream().getScheme());
    ex.upstreamKey = new UpstreamPool.Key(https ? "https" : "http", a.upstream().getHost(), a.address());
    ex.trace.upstreamStarted(a);
    Channel pooled = pool.acquire(ex.upstreamKey);
    if (pooled != null) {
      pooled.pipeline().addLast(UpstreamPool.HANDLER, new UpstreamHandler(client, ex));
      client.connected(ex, pooled);
      return;
    }
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .option(ChannelOption.AUTO_READ, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (https) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc(), a.upstream().getHost(), a.address().getPort()));
            }
            ch.pipeline().addLast(new IdleStateHandler(0, 0, settings.idleTimeout().toSeconds(), TimeUnit.SECONDS));
            ch.pipeline().addLast(new HttpClientCodec(8192, 64 * 1024, 64 * 1024));
            ch.pipeline().addLast(UpstreamPool.HANDLER, new UpstreamHandler(client, ex));
          }
        });
    b.connect(a.address()).addListener((ChannelFutureListener) f -> {
      if (!client.isLive(ex)) {
        // the client left (or the exchange ended) while the connection opened: nothing is sent
        f.channel().close();
        return;
      }
      if (!f.isSuccess()) {
        // nothing of the response started: this refuses the exchange
        client.upstreamFailed(ex, GatewayException.of(Reason.UPSTREAM_UNREACHABLE, "cannot connect to the upstream"));
        return;
      }
      client.connected(ex, f.channel());
    });
  }

  /** Starts the first-byte timer of {@code ex}, whose request went upstream whole. */
  static void awaitFirstByte(ClientHandler client, Exchange ex, EventExecutor loop, GatewaySettings settings) {
    ex.firstByteTimer = loop.schedule(() -> {
      if (client.isCurrent(ex) && !ex.responseStarted) {
        client.upstreamFailed(ex, GatewayException.of(Reason.UPSTREAM_TIMEOUT, "the upstream did not answer in time"));
      }
    }, settings.firstByteTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }
}
