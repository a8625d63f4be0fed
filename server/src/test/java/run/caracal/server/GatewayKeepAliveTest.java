package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

/**
 * Keep-alive connections to the upstream: reused after a clean response, never after
 * `Connection: close`, a response framed by the connection's end, or bytes the upstream sent past
 * the end of its response (those never reach the client); a connection the upstream closed while
 * idle is not used again. The upstream is a raw socket server that answers with the number of the
 * connection a request came on.
 */
class GatewayKeepAliveTest {
  static final String RESOURCE = "resource://keepalive-api";
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: ka}
      spec:
        resources: ["resource://keepalive-api"]
        rules:
          - name: read
            effect: allow
            scopes: ["read"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: ka}
      spec: {policies: [ka]}
      """;

  @TempDir static Path home;
  static CaracalServer server;
  static ServerSocket upstream;
  static final AtomicInteger connections = new AtomicInteger();
  /** Connections the Gateway closed (the upstream read their end). */
  static final java.util.Set<String> closedByGateway = java.util.concurrent.ConcurrentHashMap.newKeySet();
  static String token;
  /** One client connection (HTTP/1.1 keep-alive), so every request lands on the same Gateway event loop. */
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!upstream.isClosed()) {
        try {
          Socket s = upstream.accept();
          int id = connections.incrementAndGet();
          Thread t = new Thread(() -> serve(s, id), "upstream-conn-" + id);
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();

    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    TestClient.App app = client.zoneWithApp("ka", "reader");
    var r = client.admin("PUT", "/admin/v1/zones/ka/resources", Map.of("id", RESOURCE, "scopes", List.of("read"),
        "upstream", "http://127.0.0.1:" + upstream.getLocalPort()));
    assertEquals(200, r.status(), r.raw().body());
    client.activate("ka", POLICY, "ka");
    token = client.resourceToken(app, RESOURCE, "read");
  }

  @AfterAll
  static void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    upstream.close();
  }

  /** Answers each request on the connection by its path; see the tests. */
  private static void serve(Socket socket, int id) {
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      while (true) {
        String head = readHead(in);
        if (head == null) {
          closedByGateway.add("conn=" + id);
          return;
        }
        String path = head.split(" ", 3)[1];
        String body = "conn=" + id;
        switch (path) {
          case "/close" -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
            return;
          }
          case "/eof" -> {
            write(out, "HTTP/1.1 200 OK\r\n\r\n" + body); // framed by the end of the connection
            return;
          }
          case "/extra" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
              + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!");
          case "/drop" -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            Thread.sleep(100);
            return; // closes the idle connection
          }
          default -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        }
      }
    } catch (IOException | InterruptedException e) {
      // the connection ends
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
      if (matched == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl().orElseThrow() + path))
        .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", RESOURCE).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String conn(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("conn="), r.body());
    return r.body();
  }

  @Test
  void cleanKeepAliveResponses_reuseOneUpstreamConnection() throws Exception {
    String first = conn("/ka");
    assertEquals(first, conn("/ka"));
    assertEquals(first, conn("/ka/again"));
  }

  @Test
  void connectionClose_notReused() throws Exception {
    String closed = conn("/close");
    assertNotEquals(closed, conn("/ka"));
  }

  @Test
  void responseFramedByTheEndOfTheConnection_notReused() throws Exception {
    String eof = conn("/eof");
    assertNotEquals(eof, conn("/ka"));
  }

  @Test
  void bytesPastTheEndOfTheResponse_neverReachTheClient_connectionNotReused() throws Exception {
    String extra = conn("/extra");
    String next = conn("/ka");
    assertNotEquals(extra, next);
    assertNotEquals("evil!", next);
    assertEquals(next, conn("/ka"));
  }

  @Test
  void idleLongerThanTheLimit_theGatewayClosesTheConnection() throws Exception {
    String idle = conn("/ka/idle");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!closedByGateway.contains(idle) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(closedByGateway.contains(idle), "the idle connection was closed by the Gateway");
    assertNotEquals(idle, conn("/ka"));
  }

  @Test
  void upstreamClosedTheIdleConnection_nextRequestOpensANewOne() throws Exception {
    String dropped = conn("/drop");
    Thread.sleep(400);
    assertNotEquals(dropped, conn("/ka"));
  }
}
