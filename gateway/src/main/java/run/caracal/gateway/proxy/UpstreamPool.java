package run.caracal.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive connections to upstreams, one pool per event loop (connections are registered
 * on the loop of the client connection that opened them, so a pool is only ever touched by its
 * own thread). A connection comes back only after a complete response that allows keep-alive, to
 * a request that was sent whole; it is reused newest first, and closed after {@link #MAX_IDLE_NANOS}
 * idle, shorter than the keep-alive timeouts of common servers, so an upstream closing an idle
 * connection rarely races a request. Not thread-safe: the event loop confines it.
 */
final class UpstreamPool {
  static final int MAX_IDLE_PER_KEY = 64;
  static final long MAX_IDLE_NANOS = 2_000_000_000L;
  static final String HANDLER = "upstream";

  private static final FastThreadLocal<UpstreamPool> POOLS = new FastThreadLocal<>() {
    @Override
    protected UpstreamPool initialValue() {
      return new UpstreamPool();
    }
  };

  /** Connections are shared per scheme, host name (TLS checks it) and resolved address. */
  record Key(String scheme, String host, InetSocketAddress address) {}

  private record Idle(Channel channel, long since) {}

  private final Map<Key, ArrayDeque<Idle>> idle = new HashMap<>();

  /** The pool of the calling event loop. */
  static UpstreamPool current() {
    return POOLS.get();
  }

  /** A live idle connection for {@code key} with no handler for an exchange yet, or null. */
  Channel acquire(Key key) {
    ArrayDeque<Idle> queue = idle.get(key);
    long now = System.nanoTime();
    while (queue != null && !queue.isEmpty()) {
      Idle candidate = queue.pollFirst();
      Channel ch = candidate.channel();
      if (ch.isActive() && now - candidate.since() < MAX_IDLE_NANOS) {
        ch.pipeline().remove(HANDLER);
        return ch;
      }
      ch.close();
    }
    return null;
  }

  /** Takes back a connection whose exchange ended cleanly; closes it when the pool for its key is full. */
  void release(Key key, Channel ch) {
    ArrayDeque<Idle> queue = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
    prune(queue);
    if (!ch.isActive() || queue.size() >= MAX_IDLE_PER_KEY) {
      ch.close();
      return;
    }
    ch.pipeline().replace(HANDLER, HANDLER, new Parked(key));
    Idle parked = new Idle(ch, System.nanoTime());
    queue.addFirst(parked);
    ch.eventLoop().schedule(() -> expire(key, parked), MAX_IDLE_NANOS, TimeUnit.NANOSECONDS);
  }

  /** Closes a connection still parked when its idle time is up (one taken meanwhile is left alone). */
  private void expire(Key key, Idle parked) {
    ArrayDeque<Idle> queue = idle.get(key);
    if (queue != null && queue.remove(parked)) {
      if (queue.isEmpty()) {
        idle.remove(key);
      }
      parked.channel().close();
    }
  }

  private static void prune(ArrayDeque<Idle> queue) {
    long now = System.nanoTime();
    for (Iterator<Idle> it = queue.iterator(); it.hasNext(); ) {
      Idle i = it.next();
      if (!i.channel().isActive() || now - i.since() >= MAX_IDLE_NANOS) {
        it.remove();
        i.channel().close();
      }
    }
  }

  private void forget(Key key, Channel ch) {
    ArrayDeque<Idle> queue = idle.get(key);
    if (queue != null) {
      queue.removeIf(i -> i.channel() == ch);
      if (queue.isEmpty()) {
        idle.remove(key);
      }
    }
  }

  /** The handler of a parked connection: whatever happens to it, it leaves the pool closed. */
  private final class Parked extends ChannelInboundHandlerAdapter {
    private final Key key;

    Parked(Key key) {
      this.key = key;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // an idle upstream has nothing to say: the connection is not trusted again
      forget(key, ctx.channel());
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      forget(key, ctx.channel());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        forget(key, ctx.channel());
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      forget(key, ctx.channel());
      ctx.close();
    }
  }
}
