package run.caracal.bench.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 load generator on one selector thread: keep-alive connections, one request in
 * flight on each, responses framed by `Content-Length`. Two modes: closed loop (each connection
 * sends again as soon as it has its answer: maximum throughput at a concurrency) and open loop
 * (requests are due at a fixed rate whether or not earlier ones were answered; latency counts from
 * when a request was due, so a stall is not hidden by the generator waiting for it). Not
 * thread-safe: one run at a time.
 */
final class LoadGenerator {
  /** Throughput and latency of one run (latencies in microseconds). */
  record Result(long completed, long errors, double seconds, long[] sortedLatencies) {
    double perSecond() {
      return completed / seconds;
    }

    double percentile(double p) {
      if (sortedLatencies.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.min(sortedLatencies.length - 1, Math.ceil(p / 100.0 * sortedLatencies.length) - 1);
      return sortedLatencies[Math.max(0, i)];
    }
  }

  private final InetSocketAddress address;
  private final byte[] request;

  LoadGenerator(String url, Map<String, String> headers) {
    this(url, headers, null);
  }

  /** Each request a `POST` of {@code body} (UTF-8) when it is not null, else a `GET`. */
  LoadGenerator(String url, Map<String, String> headers, String body) {
    URI u = URI.create(url);
    this.address = new InetSocketAddress(u.getHost(), u.getPort());
    StringBuilder b = new StringBuilder(body == null ? "GET " : "POST ").append(u.getRawPath().isEmpty() ? "/" : u.getRawPath());
    if (u.getRawQuery() != null) {
      b.append('?').append(u.getRawQuery());
    }
    b.append(" HTTP/1.1\r\nHost: ").append(u.getHost()).append(':').append(u.getPort()).append("\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      b.append("Content-Length: ").append(content.length).append("\r\n");
    }
    byte[] head = b.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    this.request = Arrays.copyOf(head, head.length + content.length);
    System.arraycopy(content, 0, request, head.length, content.length);
  }

  /** {@code connections} connections sending back to back; measured after {@code warmupSeconds}. */
  Result closedLoop(int connections, double warmupSeconds, double seconds) throws IOException {
    return run(connections, 0, warmupSeconds, seconds);
  }

  /** Requests due at {@code perSecond}, spread over up to {@code connections} connections. */
  Result openLoop(double perSecond, int connections, double warmupSeconds, double seconds) throws IOException {
    return run(connections, perSecond, warmupSeconds, seconds);
  }

  private Result run(int connections, double rate, double warmupSeconds, double seconds) throws IOException {
    boolean open = rate > 0;
    long start = System.nanoTime();
    long measureFrom = start + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    long interval = open ? (long) (1e9 / rate) : 0;
    long nextDue = start;
    ArrayDeque<Long> due = new ArrayDeque<>();
    ArrayDeque<Connection> idle = new ArrayDeque<>();
    Samples samples = new Samples();
    long[] errors = {0};
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < connections; i++) {
        idle.add(new Connection(selector));
      }
      while (true) {
        long now = System.nanoTime();
        if (now >= end) {
          break;
        }
        if (open) {
          while (nextDue <= now) {
            due.add(nextDue);
            nextDue += interval;
          }
        } else {
          while (!idle.isEmpty()) {
            idle.poll().send(now);
          }
        }
        while (!due.isEmpty() && !idle.isEmpty()) {
          Connection c = idle.poll();
          c.send(due.poll());
        }
        long waitNanos = open ? Math.max(0, Math.min(nextDue, end) - System.nanoTime()) : end - System.nanoTime();
        int ready = waitNanos < 1_000_000 ? selector.selectNow() : selector.select(Math.max(1, waitNanos / 1_000_000));
        if (ready == 0) {
          continue;
        }
        var keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          Connection c = (Connection) key.attachment();
          int status = c.readable();
          if (status == 0) {
            continue;
          }
          if (status < 0) {
            // closed by the peer between requests: replace it
            c.close();
            idle.remove(c);
            idle.add(new Connection(selector));
            continue;
          }
          long done = System.nanoTime();
          if (c.sentDue >= measureFrom && done <= end) {
            if (status >= 200 && status < 300) {
              samples.add((done - c.sentDue) / 1000);
            } else {
              errors[0]++;
            }
          }
          if (c.closed) {
            c.close();
            c = new Connection(selector);
          }
          idle.add(c);
        }
      }
      for (SelectionKey key : selector.keys()) {
        ((Connection) key.attachment()).close();
      }
    }
    long[] sorted = samples.toArray();
    Arrays.sort(sorted);
    return new Result(sorted.length, errors[0], seconds, sorted);
  }

  /** One keep-alive connection with at most one request in flight. */
  private final class Connection {
    private final SocketChannel channel;
    private final SelectionKey key;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private long sentDue;
    private int headerEnd = -1;
    private int status;
    private long bodyLength;
    private boolean closed;
    private boolean inFlight;

    Connection(Selector selector) {
      try {
        channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        key = channel.register(selector, SelectionKey.OP_READ, this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot connect to " + address, e);
      }
    }

    void send(long dueAt) {
      sentDue = dueAt;
      inFlight = true;
      ByteBuffer out = ByteBuffer.wrap(request);
      try {
        while (out.hasRemaining()) {
          channel.write(out);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads what arrived: the response status once a whole response is in, 0 before, -1 when closed while idle. */
    int readable() {
      try {
        if (channel.read(in) < 0) {
          closed = true;
          if (!inFlight) {
            return -1;
          }
          inFlight = false;
          return 599;
        }
      } catch (IOException e) {
        closed = true;
        boolean wasInFlight = inFlight;
        inFlight = false;
        return wasInFlight ? 599 : -1;
      }
      if (headerEnd < 0 && !parseHead()) {
        return 0;
      }
      return in.position() - headerEnd >= bodyLength ? finish() : 0;
    }

    private boolean parseHead() {
      byte[] a = in.array();
      for (int i = 3; i < in.position(); i++) {
        if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
          headerEnd = i + 1;
          String head = new String(a, 0, headerEnd, StandardCharsets.ISO_8859_1);
          status = Integer.parseInt(head.substring(9, 12));
          bodyLength = 0;
          for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
              bodyLength = Long.parseLong(line.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
              closed = true;
            } else if (lower.startsWith("transfer-encoding:")) {
              throw new IllegalStateException("chunked responses are not supported by this generator");
            }
          }
          return true;
        }
      }
      return false;
    }

    private int finish() {
      int result = status;
      int consumed = (int) (headerEnd + bodyLength);
      in.flip();
      in.position(Math.min(consumed, in.limit()));
      in.compact();
      headerEnd = -1;
      inFlight = false;
      return result;
    }

    void close() {
      key.cancel();
      try {
        channel.close();
      } catch (IOException e) {
        // closing at the end of a run
      }
    }
  }

  /** A growable array of latencies. */
  private static final class Samples {
    private final List<long[]> blocks = new ArrayList<>();
    private long[] current = new long[1 << 16];
    private int n;

    void add(long v) {
      if (n == current.length) {
        blocks.add(current);
        current = new long[current.length];
        n = 0;
      }
      current[n++] = v;
    }

    long[] toArray() {
      long[] all = new long[blocks.size() * current.length + n];
      int at = 0;
      for (long[] b : blocks) {
        System.arraycopy(b, 0, all, at, b.length);
        at += b.length;
      }
      System.arraycopy(current, 0, all, at, n);
      return all;
    }
  }
}
