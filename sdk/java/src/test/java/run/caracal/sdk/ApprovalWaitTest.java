package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TransportOptions#waitForApproval(Duration)} against a real local HTTP server playing the
 * Gateway: a POST held for approval (403 {@code approval_required}, {@code Retry-After}),
 * {@code GET /.caracal/approvals/{id}} answering the approval's state, and the identical request
 * let through once approved.
 */
class ApprovalWaitTest {
  private static HttpServer server;
  private static String gateway;
  /** What the approval endpoint answers, by poll (the last one repeats). */
  private static volatile List<String> states = List.of("pending");
  private static final List<String> pollAuth = new CopyOnWriteArrayList<>();
  private static final List<Long> pollTimes = new CopyOnWriteArrayList<>();
  private static final List<String> bodies = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.caracal/approvals/", exchange -> {
      String state = states.get(Math.min(pollAuth.size(), states.size() - 1));
      pollAuth.add(exchange.getRequestHeaders().getFirst("Authorization"));
      pollTimes.add(System.nanoTime());
      if (state.equals("unknown")) {
        json(exchange, 404, "{\"error\":\"not_found\",\"reason\":\"approval_unknown\",\"message\":\"no such approval\"}", Map.of());
        return;
      }
      json(exchange, 200, "{\"approval_id\":\"apr_1\",\"state\":\"" + state + "\",\"expires_at\":\"2030-01-01T00:00:00Z\"}",
          state.equals("pending") ? Map.of("Retry-After", "1") : Map.of());
    });
    server.createContext("/payouts", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      bodies.add(body);
      String decided = states.get(Math.min(Math.max(pollAuth.size() - 1, 0), states.size() - 1));
      if (!pollAuth.isEmpty() && decided.equals("approved")) {
        json(exchange, 200, "{\"paid\":true}", Map.of());
        return;
      }
      json(exchange, 403, "{\"error\":\"forbidden\",\"reason\":\"approval_required\",\"approval_id\":\"apr_1\","
          + "\"message\":\"this request waits for a person's approval\",\"request_id\":\"req_1\"}",
          Map.of("Retry-After", "1", "X-Caracal-Request-Id", "req_1"));
    });
    server.start();
    gateway = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @BeforeEach
  void reset() {
    states = List.of("pending");
    pollAuth.clear();
    pollTimes.clear();
    bodies.clear();
  }

  private static void json(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static Caracal client(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("CARACAL_STS_URL", "http://127.0.0.1:9", "CARACAL_GATEWAY_URL", gateway,
        "CARACAL_APPLICATION_ID", "app_test", "CARACAL_APP_CLIENT_SECRET", "secret"));
    env.putAll(extra);
    return Caracal.create(env);
  }

  private static HttpResponse<String> pay(TransportOptions options) {
    return client(Map.of()).transport(options).post(gateway + "/payouts",
        Map.of("X-Caracal-Resource", "resource://payouts", "Authorization", "Bearer agent-token"), "{\"amount\":25000}");
  }

  @Test
  void approved_pollsWithTheRequestsToken_thenRepeatsTheIdenticalRequest() {
    states = List.of("pending", "approved");
    long started = System.nanoTime();

    HttpResponse<String> r = pay(TransportOptions.defaults().waitForApproval(Duration.ofSeconds(10)));

    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("{\"amount\":25000}", "{\"amount\":25000}"), bodies, "the same body, twice");
    assertEquals(List.of("Bearer agent-token", "Bearer agent-token"), pollAuth);
    assertTrue(Duration.ofNanos(pollTimes.get(0) - started).toMillis() >= 900, "the first poll waits for Retry-After");
    assertTrue(Duration.ofNanos(pollTimes.get(1) - pollTimes.get(0)).toMillis() >= 900, "polls at most once a second");
  }

  @Test
  void denied_throwsApprovalDeniedExceptionWithTheApprovalId() {
    states = List.of("denied");

    ApprovalDeniedException e = assertThrows(ApprovalDeniedException.class,
        () -> pay(TransportOptions.defaults().waitForApproval(Duration.ofSeconds(10))));

    assertEquals("apr_1", e.approvalId());
    assertEquals("approval_denied", e.reason());
    assertEquals(1, bodies.size(), "a denied request is not sent again");
  }

  @Test
  void expired_throwsApprovalExpiredException() {
    states = List.of("expired");

    ApprovalExpiredException e = assertThrows(ApprovalExpiredException.class,
        () -> pay(TransportOptions.defaults().waitForApproval(Duration.ofSeconds(10))));

    assertEquals("approval_expired", e.reason());
    assertEquals("apr_1", e.approvalId());
  }

  @Test
  void unknownToTheGateway_throwsApprovalExceptionApprovalUnknown() {
    states = List.of("unknown");

    ApprovalException e = assertThrows(ApprovalException.class,
        () -> pay(TransportOptions.defaults().waitForApproval(Duration.ofSeconds(10))));

    assertEquals("approval_unknown", e.reason());
  }

  @Test
  void noAnswerInTime_throwsApprovalTimeoutException() {
    long started = System.nanoTime();

    ApprovalTimeoutException e = assertThrows(ApprovalTimeoutException.class,
        () -> pay(TransportOptions.defaults().waitForApproval(Duration.ofMillis(1500))));

    assertEquals("apr_1", e.approvalId());
    assertEquals("approval_timeout", e.reason());
    assertTrue(e.getMessage().contains("caracal approvals approve apr_1"), e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 4000, "gave up at the deadline");
  }

  @Test
  void withoutTheOption_the403IsReturnedAsBefore() {
    HttpResponse<String> r = pay(TransportOptions.defaults());

    assertEquals(403, r.statusCode());
    assertTrue(r.body().contains("approval_required"), r.body());
    assertEquals(List.of(), pollAuth);
  }

  @Test
  void underCaracalRun_aHeldRequestPrintsTheApproveCommandOnce() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    HttpResponse<String> r;
    try {
      Transport transport = client(Map.of("CARACAL_RUN", "1")).transport();
      transport.post(gateway + "/payouts", Map.of("X-Caracal-Resource", "resource://payouts", "Authorization", "Bearer t"), "{}");
      r = transport.post(gateway + "/payouts", Map.of("X-Caracal-Resource", "resource://payouts", "Authorization", "Bearer t"), "{}");
    } finally {
      System.setErr(saved);
    }

    assertEquals(403, r.statusCode());
    assertTrue(r.body().contains("apr_1"), "the caller still reads the refusal: " + r.body());
    assertEquals("caracal: request held for approval apr_1 — approve with: caracal approvals approve apr_1\n",
        err.toString(StandardCharsets.UTF_8));
    assertInstanceOf(ApprovalException.class, new ApprovalDeniedException("apr_1", null));
  }
}
