package run.caracal.gateway.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.net.UpstreamTls;
import run.caracal.ledger.Ledger;

/**
 * The Gateway's listening socket: a Netty pipeline of its own (strict request decoding, the
 * connection handler), I/O on event-loop threads and authorization on a bounded worker pool.
 * Close to stop.
 */
public final class GatewayServer implements AutoCloseable {
  private static final int AUTHORIZATION_THREADS = 64;

  private final EventLoopGroup group;
  private final ExecutorService workers;
  private final Channel channel;

  private GatewayServer(EventLoopGroup group, ExecutorService workers, Channel channel) {
    this.group = group;
    this.workers = workers;
    this.channel = channel;
  }

  public static GatewayServer start(String host, int port, GatewayAuthorizer authorizer, Ledger ledger, GatewaySettings settings)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
        NioIoHandler.newFactory());
    AtomicInteger ids = new AtomicInteger();
    // a worker reads the database and runs the engine, then lets go: the decision event commits
    // while it takes the next request. A ThreadPoolExecutor grows past its core size only once
    // the queue is full, so the core size is the bound (idle threads time out)
    ThreadPoolExecutor workers = new ThreadPoolExecutor(AUTHORIZATION_THREADS, AUTHORIZATION_THREADS, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(10_000), r -> {
          Thread t = new Thread(r, "caracal-gateway-authz-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    workers.allowCoreThreadTimeOut(true);
    ResultRecorder results = new ResultRecorder(ledger, authorizer.metrics());
    UpstreamTls tls = UpstreamTls.create(settings.upstreamCaFile());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new StrictRequestDecoder(settings.maxInitialLine(), settings.maxHeaderBytes(), settings.maxChunk()));
            ch.pipeline().addLast(new HttpResponseEncoder());
            ch.pipeline().addLast(new ClientHandler(authorizer, workers, settings, results, tls));
          }
        });
    try {
      Channel channel = b.bind(host, port).sync().channel();
      return new GatewayServer(group, workers, channel);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownNow();
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.shutdownNow();
  }
}
