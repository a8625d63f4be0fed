package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Gateway streams: server-sent events reach the client before the upstream finishes, request
 * bodies reach the upstream before the client finishes, and 100 MB uploads and downloads pass
 * through a server process whose heap (96 MB) and direct memory (48 MB) could not hold them.
 * Also chunked bodies, `Expect: 100-continue`, keep-alive and pipelining on one connection, and
 * the 502/504 answers for an upstream that is down or too slow. The server runs in a child JVM
 * ({@link GatewayTestProcess}); the upstream and the clients run here.
 */
class GatewayStreamingTest {
  static final String RESOURCE = "resource://stream-api";
  static final String DOWN = "resource://down-api";
  static final String RAW = "resource://raw-api";
  static final long HUNDRED_MB = 100L * 1024 * 1024;
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: stream}
      spec:
        resources: ["resource://stream-api", "resource://down-api", "resource://raw-api"]
        rules:
          - {name: streams, effect: allow, scopes: ["stream:rw"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [stream]}
      """;

  @TempDir static Path home;
  static Process child;
  static final BlockingQueue<String> childLines = new LinkedBlockingQueue<>();
  static HttpServer upstream;
  static ExecutorService upstreamThreads;
  static String stsUrl;
  static String gateway;
  static String shortTimeoutGateway;
  static String token;
  static String downToken;
  static String rawToken;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  // SSE coordination
  static final CountDownLatch firstEventRead = new CountDownLatch(1);
  static final AtomicBoolean sseFinished = new AtomicBoolean();
  /** A chunk-by-chunk upstream (the JDK server reads a chunk only once the next one has begun). */
  static ServerSocket rawUpstream;
  static final BlockingQueue<String> rawChunks = new LinkedBlockingQueue<>();
  static final BlockingQueue<String> rawTrailers = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    upstreamThreads = Executors.newCachedThreadPool();
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.setExecutor(upstreamThreads);
    upstream.createContext("/events", GatewayStreamingTest::events);
    upstream.createContext("/upload", GatewayStreamingTest::upload);
    upstream.createContext("/download", GatewayStreamingTest::download);
    upstream.createContext("/slow", exchange -> {
      sleep(4_000);
      respond(exchange, 200, "late");
    });
    upstream.createContext("/echo", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      respond(exchange, 200, "echo " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " "
          + new String(body, StandardCharsets.UTF_8));
    });
    upstream.start();
    rawUpstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread raw = new Thread(GatewayStreamingTest::serveRawChunks, "raw-upstream");
    raw.setDaemon(true);
    raw.start();
    startChild();
    TestClient client = new TestClient(stsUrl, Files.readString(home.resolve("admin.token")).trim());
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    client.admin("POST", "/admin/v1/zones", Map.of("name", "stream"));
    var app = client.admin("POST", "/admin/v1/zones/stream/apps", Map.of("name", "streamer"));
    String appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    assertEquals(200, client.admin("PUT", "/admin/v1/zones/stream/resources", Map.of("id", RESOURCE, "scopes", List.of("stream:rw"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort())).status());
    assertEquals(200, client.admin("PUT", "/admin/v1/zones/stream/resources", Map.of("id", RAW, "scopes", List.of("stream:rw"),
        "upstream", "http://127.0.0.1:" + rawUpstream.getLocalPort())).status());
    assertEquals(200, client.admin("PUT", "/admin/v1/zones/stream/resources", Map.of("id", DOWN, "scopes", List.of("stream:rw"),
        "upstream", "http://127.0.0.1:" + closedPort)).status());
    assertEquals(200, client.admin("POST", "/admin/v1/zones/stream/policies",
        Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY)))).status());
    assertEquals(200, client.admin("POST", "/admin/v1/zones/stream/activate", Map.of("policy_set", "production")).status());
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    String sessionToken = session.json().get("session_token").asText();
    token = exchange(client, appId, secret, sessionToken, RESOURCE);
    downToken = exchange(client, appId, secret, sessionToken, DOWN);
    rawToken = exchange(client, appId, secret, sessionToken, RAW);
  }

  private static String exchange(TestClient client, String appId, String secret, String sessionToken, String resource) {
    var t = client.form("/oauth2/token", appId, secret, Map.of("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", sessionToken, "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
        "resource", resource, "scope", "stream:rw"));
    assertEquals(200, t.status(), t.raw().body());
    return t.json().get("access_token").asText();
  }

  private static void startChild() throws Exception {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    child = new ProcessBuilder(java.toString(), "-Xmx96m", "-XX:MaxDirectMemorySize=48m", "-XX:+ExitOnOutOfMemoryError",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, GatewayTestProcess.class.getName(), home.toString())
        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    Thread drain = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          childLines.add(line);
        }
      } catch (IOException e) {
        // the child is gone
      }
      childLines.add("exited");
    }, "gateway-child-output");
    drain.setDaemon(true);
    drain.start();
    String ready = childLine("ready");
    stsUrl = ready.split(" ")[1];
    gateway = ready.split(" ")[2];
    shortTimeoutGateway = ready.split(" ")[3];
  }

  /** The next line of the child's output starting with {@code prefix} (its other lines are kept for failures). */
  private static String childLine(String prefix) throws InterruptedException {
    List<String> skipped = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      String line = childLines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        continue;
      }
      if (line.startsWith(prefix)) {
        return line;
      }
      skipped.add(line);
      if (line.equals("exited")) {
        break;
      }
    }
    throw new AssertionError("the gateway process did not say `" + prefix + "`:\n" + String.join("\n", skipped));
  }

  @AfterAll
  static void stop() throws Exception {
    if (child != null) {
      child.getOutputStream().close();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    if (rawUpstream != null) {
      rawUpstream.close();
    }
    if (upstreamThreads != null) {
      upstreamThreads.shutdownNow();
    }
  }

  // upstream handlers

  private static void events(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    out.write("id: 1\ndata: first\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
    try {
      firstEventRead.await(10, TimeUnit.SECONDS);
      for (int i = 2; i <= 4; i++) {
        Thread.sleep(100);
        out.write(("id: " + i + "\ndata: event " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sseFinished.set(true);
    out.close();
  }

  /** Counts and checksums the request body as it streams in; answers `bytes crc framing`. */
  private static void upload(HttpExchange exchange) throws IOException {
    CRC32 crc = new CRC32();
    long bytes = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = exchange.getRequestBody()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
        bytes += n;
      }
    }
    String framing = exchange.getRequestHeaders().containsKey("Transfer-encoding") ? "chunked"
        : "length=" + exchange.getRequestHeaders().getFirst("Content-length");
    respond(exchange, 200, bytes + " " + Long.toHexString(crc.getValue()) + " " + framing);
  }

  /** Reads chunked requests chunk by chunk, reporting each chunk as it arrives; answers their concatenation. */
  private static void serveRawChunks() {
    while (!rawUpstream.isClosed()) {
      try (java.net.Socket s = rawUpstream.accept()) {
        InputStream in = new java.io.BufferedInputStream(s.getInputStream());
        while (!line(in).isEmpty()) {
          // request line and headers
        }
        StringBuilder body = new StringBuilder();
        for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
          String chunk = new String(in.readNBytes(size), StandardCharsets.ISO_8859_1);
          line(in);
          rawChunks.add(chunk);
          body.append(chunk);
        }
        for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
          rawTrailers.add(trailer);
        }
        byte[] out = body.toString().getBytes(StandardCharsets.ISO_8859_1);
        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + out.length + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(out);
      } catch (IOException | RuntimeException e) {
        // next connection
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("closed");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private static void download(HttpExchange exchange) throws IOException {
    long size = Long.parseLong(exchange.getRequestURI().getQuery().substring("bytes=".length()));
    exchange.sendResponseHeaders(200, size);
    try (OutputStream out = exchange.getResponseBody(); InputStream pattern = new PatternStream(size)) {
      pattern.transferTo(out);
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code size} bytes of a fixed non-trivial pattern, generated as read. */
  static final class PatternStream extends InputStream {
    private final long size;
    private long position;

    PatternStream(long size) {
      this.size = size;
    }

    private static byte at(long i) {
      return (byte) ((i * 31 + (i >>> 13)) & 0xff);
    }

    @Override
    public int read() {
      return position < size ? at(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = at(position++);
      }
      return n;
    }

    static long crc(long size) throws IOException {
      CRC32 crc = new CRC32();
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = new PatternStream(size)) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          crc.update(buffer, 0, n);
        }
      }
      return crc.getValue();
    }
  }

  // helpers

  static HttpRequest.Builder request(String base, String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", RESOURCE);
  }

  static String headers(String resource) {
    return "Host: gw\r\nAuthorization: Bearer " + token + "\r\nX-Caracal-Resource: " + resource + "\r\n";
  }

  /** Peak heap and direct memory of the server process since the last call, in MB, and its max heap. */
  static long[] childMemory() throws Exception {
    child.getOutputStream().write("stats\n".getBytes(StandardCharsets.US_ASCII));
    child.getOutputStream().flush();
    String[] parts = childLine("stats").split(" ");
    return new long[] {Long.parseLong(parts[1]) >> 20, Long.parseLong(parts[2]) >> 20, Long.parseLong(parts[3]) >> 20};
  }

  static void assertServerAlive() {
    assertTrue(child.isAlive(), "the gateway process died (out of memory?)");
  }

  // streaming

  @Test
  void serverSentEvents_firstEventArrivesBeforeTheUpstreamFinishes() throws Exception {
    HttpResponse<InputStream> r = http.send(request(gateway, "/events").header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
    assertTrue(r.headers().firstValue("X-Caracal-Request-Id").isPresent());
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertEquals("id: 1", reader.readLine());
      assertEquals("data: first", reader.readLine());
      assertFalse(sseFinished.get(), "the first event was held back until the upstream finished");
      firstEventRead.countDown();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    }
    assertTrue(sseFinished.get());
    assertEquals(List.of("", "id: 2", "data: event 2", "", "id: 3", "data: event 3", "", "id: 4", "data: event 4", ""), lines);
  }

  @Test
  void chunkedRequestBody_eachChunkReachesTheUpstreamBeforeTheNextAndTrailersAreDropped() throws Exception {
    try (RawHttp raw = new RawHttp(gateway)) {
      raw.send("POST /chunks HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + rawToken + "\r\nX-Caracal-Resource: " + RAW
          + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
      assertEquals("first", rawChunks.poll(10, TimeUnit.SECONDS), "the first chunk was held back");
      raw.send("7\r\n-second\r\n");
      assertEquals("-second", rawChunks.poll(10, TimeUnit.SECONDS), "a later chunk was held back until the body was complete");
      raw.send("6\r\n-third\r\n0\r\nAuthorization: Bearer smuggled\r\nX-Caracal-Resource: resource://elsewhere\r\n\r\n");
      RawHttp.Response r = raw.read(false);
      assertEquals(200, r.status(), r.toString());
      assertEquals("first-second-third", r.text());
      assertEquals(List.of(), List.copyOf(rawTrailers), "request trailers are fields no check has seen: dropped");
    }
  }

  @Test
  void upload100MegabytesWithContentLength_streamsThroughASmallHeap() throws Exception {
    childMemory();
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(HUNDRED_MB)), HUNDRED_MB);
    HttpResponse<String> r = http.send(request(gateway, "/upload").POST(body).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(HUNDRED_MB + " " + Long.toHexString(PatternStream.crc(HUNDRED_MB)) + " length=" + HUNDRED_MB, r.body());
    long[] memory = childMemory();
    System.out.printf("100 MB upload: gateway process peak heap %d MB, direct %d MB (max heap %d MB)%n", memory[0], memory[1], memory[2]);
    assertServerAlive();
    assertTrue(memory[1] < 40, "direct memory peaked at " + memory[1] + " MB");
  }

  @Test
  void upload100MegabytesChunked_streamsThroughASmallHeap() throws Exception {
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(HUNDRED_MB));
    HttpResponse<String> r = http.send(request(gateway, "/upload").POST(body).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(HUNDRED_MB + " " + Long.toHexString(PatternStream.crc(HUNDRED_MB)) + " chunked", r.body());
    assertServerAlive();
  }

  @Test
  void download100Megabytes_streamsThroughASmallHeap() throws Exception {
    childMemory();
    HttpResponse<InputStream> r = http.send(request(gateway, "/download?bytes=" + HUNDRED_MB).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertEquals(String.valueOf(HUNDRED_MB), r.headers().firstValue("Content-Length").orElse(""));
    CRC32 crc = new CRC32();
    long bytes = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = r.body()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
        bytes += n;
      }
    }
    assertEquals(HUNDRED_MB, bytes);
    assertEquals(PatternStream.crc(HUNDRED_MB), crc.getValue());
    long[] memory = childMemory();
    System.out.printf("100 MB download: gateway process peak heap %d MB, direct %d MB (max heap %d MB)%n", memory[0], memory[1], memory[2]);
    assertServerAlive();
    assertTrue(memory[1] < 40, "direct memory peaked at " + memory[1] + " MB");
  }

  @Test
  void chunkedRequestBody_manySmallChunksWithExtensionsAndTrailer_forwardedWholeWithoutTrailer() throws Exception {
    StringBuilder wire = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String piece = "chunk-" + i + ";";
      expected.append(piece);
      wire.append(Integer.toHexString(piece.length())).append(i % 2 == 0 ? ";ext=1" : "").append("\r\n").append(piece).append("\r\n");
    }
    wire.append("0\r\nX-Trailer: t\r\n\r\n");
    var r = RawHttp.exchange(gateway, "POST /upload HTTP/1.1\r\n" + headers(RESOURCE) + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + wire);
    CRC32 crc = new CRC32();
    crc.update(expected.toString().getBytes(StandardCharsets.US_ASCII));
    assertEquals(expected.length() + " " + Long.toHexString(crc.getValue()) + " chunked", r.text());
  }

  // connection handling

  @Test
  void expectContinue_100ThenTheBodyIsForwarded() {
    try (RawHttp raw = new RawHttp(gateway)) {
      raw.send("POST /echo HTTP/1.1\r\n" + headers(RESOURCE) + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response interim = raw.read(false);
      assertEquals(100, interim.status(), interim.toString());
      raw.send("hello");
      RawHttp.Response r = raw.read(false);
      assertEquals(200, r.status(), r.toString());
      assertEquals("echo POST /echo hello", r.text());
    }
  }

  @Test
  void expectContinue_refusedRequest_finalStatusWithoutContinue() {
    try (RawHttp raw = new RawHttp(gateway)) {
      raw.send("POST /echo HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer nope\r\nX-Caracal-Resource: " + RESOURCE
          + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response r = raw.read(false);
      assertEquals(401, r.status(), r.toString());
      assertEquals("token_malformed", r.json().path("reason").asText());
    }
  }

  @Test
  void keepAlive_oneConnectionCarriesSeveralRequests() {
    try (RawHttp raw = new RawHttp(gateway)) {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        String body = "n" + i;
        raw.send("POST /echo/" + i + " HTTP/1.1\r\n" + headers(RESOURCE) + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        RawHttp.Response r = raw.read(false);
        assertEquals(200, r.status(), r.toString());
        assertEquals("echo POST /echo/" + i + " " + body, r.text());
        assertFalse(r.header("Connection").orElse("").equalsIgnoreCase("close"), r.toString());
        ids.add(r.header("X-Caracal-Request-Id").orElseThrow());
      }
      assertEquals(5, ids.size(), "each request has its own id");
      raw.send("GET /echo/get HTTP/1.1\r\n" + headers(RESOURCE) + "\r\n");
      assertEquals("echo GET /echo/get ", raw.read(false).text());
    }
  }

  @Test
  void pipelinedRequests_answeredInOrder() {
    try (RawHttp raw = new RawHttp(gateway)) {
      StringBuilder burst = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        burst.append("POST /echo/p").append(i).append(" HTTP/1.1\r\n").append(headers(RESOURCE)).append("Content-Length: 2\r\n\r\np").append(i);
      }
      raw.send(burst.toString());
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = raw.read(false);
        assertEquals("echo POST /echo/p" + i + " p" + i, r.text(), r.toString());
      }
    }
  }

  @Test
  void http10WithoutKeepAlive_closedAfterTheResponse() {
    try (RawHttp raw = new RawHttp(gateway)) {
      raw.send("GET /echo/old HTTP/1.0\r\n" + headers(RESOURCE) + "\r\n");
      RawHttp.Response r = raw.read(false);
      assertEquals(200, r.status(), r.toString());
      assertTrue(raw.closedByPeer());
    }
  }

  // upstream failures

  @Test
  void upstreamDown_502UpstreamUnreachable() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway + "/x")).header("Authorization", "Bearer " + downToken)
        .header("X-Caracal-Resource", DOWN).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(502, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"reason\":\"upstream_unreachable\""), r.body());
    assertTrue(r.headers().firstValue("X-Caracal-Request-Id").isPresent());
  }

  @Test
  void upstreamSlowerThanTheFirstByteTimeout_504UpstreamTimeout() throws Exception {
    // the upstream answers after 4 s; the gateway's first-byte timeout is 1.5 s
    HttpResponse<String> r = http.send(request(shortTimeoutGateway, "/slow").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(504, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"reason\":\"upstream_timeout\""), r.body());
    assertTrue(r.headers().firstValue("X-Caracal-Request-Id").isPresent());
    HttpResponse<String> fast = http.send(request(shortTimeoutGateway, "/echo/fast").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, fast.statusCode(), fast.body());
    assertNotEquals(r.headers().firstValue("X-Caracal-Request-Id"), fast.headers().firstValue("X-Caracal-Request-Id"));
  }
}
