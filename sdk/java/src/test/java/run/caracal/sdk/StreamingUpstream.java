package run.caracal.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * The upstream's streaming routes, under {@code /api} (the main profile's upstream prefix):
 *
 * <ul>
 *   <li>{@code /api/events/<key>?n=N&every=MS} — N server-sent events {@code data: {"i": i}}, one
 *       every MS milliseconds, each flushed; the time each was written is kept under the key;
 *   <li>{@code /api/bytes/<n>} — n bytes with a {@code Content-Length}, written 64 KiB at a time;
 *   <li>{@code /api/upload/<key>} — reads the body in pieces, notes when its first byte arrived,
 *       and answers {@code {"bytes": n, "crc32": c, "transfer_encoding": ...}};
 *   <li>{@code /api/expired/<tag>} — answers as the Gateway does for an expired token
 *       ({@code 401}, reason {@code token_expired}, the request id it was given).
 * </ul>
 *
 * Times are {@link System#nanoTime()}, comparable with the test's own clock (one JVM).
 */
final class StreamingUpstream {
  final Map<String, List<Long>> sent = new ConcurrentHashMap<>();
  final Map<String, CountDownLatch> firstByte = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits;

  StreamingUpstream(HttpServer server, Map<String, AtomicInteger> hits) {
    this.hits = hits;
    server.createContext("/api/events/", this::events);
    server.createContext("/api/bytes/", this::bytes);
    server.createContext("/api/upload/", this::upload);
    server.createContext("/api/expired/", this::expired);
  }

  /** The latch counted down when the first byte of upload {@code key} reaches the upstream. */
  CountDownLatch firstByteOf(String key) {
    return firstByte.computeIfAbsent(key, k -> new CountDownLatch(1));
  }

  private String hit(HttpExchange exchange) {
    String path = exchange.getRequestURI().toString();
    hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    return exchange.getRequestURI().getPath();
  }

  private void events(HttpExchange exchange) throws IOException {
    String key = last(hit(exchange));
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    int n = Integer.parseInt(query.getOrDefault("n", "20"));
    long every = Long.parseLong(query.getOrDefault("every", "100"));
    List<Long> times = new ArrayList<>();
    sent.put(key, times);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (int i = 0; i < n; i++) {
        if (i > 0) sleep(every);
        synchronized (times) {
          times.add(System.nanoTime());
        }
        out.write(("id: " + i + "\ndata: {\"i\": " + i + "}\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  private void bytes(HttpExchange exchange) throws IOException {
    long n = Long.parseLong(last(hit(exchange)));
    byte[] block = new byte[64 * 1024];
    Arrays.fill(block, (byte) 'x');
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, n);
    try (OutputStream out = exchange.getResponseBody()) {
      for (long left = n; left > 0; left -= block.length) out.write(block, 0, (int) Math.min(block.length, left));
    }
  }

  private void upload(HttpExchange exchange) throws IOException {
    String key = last(hit(exchange));
    CountDownLatch first = firstByteOf(key);
    CRC32 crc = new CRC32();
    long total = 0;
    byte[] buffer = new byte[8192];
    try (InputStream in = exchange.getRequestBody()) {
      for (int read; (read = in.read(buffer)) >= 0; ) {
        if (read > 0) first.countDown();
        crc.update(buffer, 0, read);
        total += read;
      }
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("bytes", total);
    out.put("crc32", crc.getValue());
    out.put("transfer_encoding", exchange.getRequestHeaders().getFirst("Transfer-Encoding"));
    respond(exchange, 200, out);
  }

  private void expired(HttpExchange exchange) throws IOException {
    hit(exchange);
    exchange.getRequestBody().readAllBytes();
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("error", "invalid_token");
    out.put("reason", "token_expired");
    out.put("request_id", exchange.getRequestHeaders().getFirst("X-Request-Id"));
    respond(exchange, 401, out);
  }

  private static void respond(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] payload = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, payload.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(payload);
    }
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new ConcurrentHashMap<>();
    if (raw == null) return out;
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv.length == 2) out.put(kv[0], kv[1]);
    }
    return out;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
