package run.caracal.control.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.db.Jdbc;
import run.caracal.control.keys.TestDatabase;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;

/** A zone's approval webhook against a real HTTP server on loopback: retried on 5xx, never retried on 4xx, never a secret. */
class ApprovalWebhookTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Duration> FAST = List.of(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40),
      Duration.ofMillis(80), Duration.ofMillis(160));

  @TempDir Path keys;
  private HttpServer receiver;
  private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> signatures = new LinkedBlockingQueue<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private volatile int failFirst;
  private volatile int failStatus = 503;
  private ApprovalWebhook webhook;
  private Ledger ledger;

  @BeforeEach
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int n = attempts.incrementAndGet();
      int status = n <= failFirst ? failStatus : 204;
      if (status == 204) {
        bodies.add(body);
        signatures.add(String.valueOf(exchange.getRequestHeaders().getFirst(ApprovalWebhook.SIGNATURE_HEADER)));
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
    URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    webhook = new ApprovalWebhook(zone -> zone.equals("zone_prod") ? Optional.of(new ApprovalWebhook.Target("prod", url, "whsec_test"))
        : Optional.empty(), FAST);
  }

  @AfterEach
  void stop() {
    webhook.close();
    receiver.stop(0);
    if (ledger != null) {
      ledger.close();
    }
  }

  private static Approval approval(String zone) {
    return new Approval("apr_1", zone, "digest", Approval.State.PENDING, "app_1", Optional.of("ses_1"), "resource://mail",
        Map.of("method", "POST", "path", "/mcp/mail", "scopes", List.of("mail:send"),
            "mcp", Map.of("method", "tools/call", "tool", "send_mail", "arguments", Map.of("to", "ceo@example.com",
                "api_key", "hmac:SECRETISH")),
            "rules", List.of("mail/outside-mail")),
        Duration.ofMinutes(15), Approval.Reuse.ONCE, List.of("comms"), "req_1", Instant.parse("2030-01-01T00:00:00Z"),
        Instant.parse("2030-01-02T00:00:00Z"), Optional.empty(), Optional.empty(), Optional.empty(), List.of(List.of("comms")));
  }

  @Test
  void accept_receiverFailsTwice_deliveredOnTheThirdAttemptWithoutSecrets() throws Exception {
    failFirst = 2;

    webhook.accept(approval("zone_prod"));
    String body = bodies.poll(10, TimeUnit.SECONDS);

    assertEquals(3, attempts.get());
    JsonNode json = JSON.readTree(body);
    assertEquals("approval.requested", json.path("type").asText());
    assertEquals("apr_1", json.path("approval_id").asText());
    assertEquals("prod", json.path("zone").asText());
    assertEquals("app_1", json.path("app").asText());
    assertEquals("resource://mail", json.path("resource").asText());
    assertEquals("send_mail", json.path("summary").path("tool").asText());
    assertEquals("/mcp/mail", json.path("summary").path("path").asText());
    assertEquals("mail/outside-mail", json.path("rule").asText());
    assertEquals("caracal approvals approve apr_1", json.path("approve").asText());
    assertEquals("caracal approvals deny apr_1", json.path("deny").asText());
    assertEquals("2030-01-02T00:00:00Z", json.path("expires_at").asText());
    for (String secret : List.of("SECRETISH", "api_key", "ceo@example.com", "arguments", "Bearer", "ses_1", "digest", "whsec_")) {
      assertFalse(body.contains(secret), () -> "`" + secret + "` in " + body);
    }
    String signature = signatures.poll(1, TimeUnit.SECONDS);
    long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
    assertTrue(Math.abs(t - Instant.now().getEpochSecond()) < 60, signature);
    assertEquals(ApprovalWebhook.signature("whsec_test", t, body), signature, "HMAC-SHA256 of `t.body` with the zone's secret");
    assertFalse(signature.equals(ApprovalWebhook.signature("whsec_other", t, body)));
  }

  @Test
  void accept_receiverAnswers4xx_notRetried() throws Exception {
    failFirst = 100;
    failStatus = 410;

    webhook.accept(approval("zone_prod"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (attempts.get() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(500); // the back-off would have retried by now

    assertEquals(1, attempts.get());
  }

  @Test
  void accept_receiverAlwaysFails_givesUpAfterSixAttempts() throws Exception {
    failFirst = 100;

    webhook.accept(approval("zone_prod"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (attempts.get() < 6 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(500);

    assertEquals(6, attempts.get());
  }

  @Test
  void hold_newApprovalOnly_notifiesOnceOffTheCallersThread() throws Exception {
    Jdbc jdbc = TestDatabase.fresh();
    TestDatabase.insertZone(jdbc, "zone_prod");
    TestDatabase.insertZone(jdbc, "zone_quiet");
    ledger = Ledger.open(LedgerConfig.dataSource(jdbc.dataSource(), keys));
    ApprovalStore store = new ApprovalStore(jdbc, new AdminAudit(ledger, jdbc), Clock.systemUTC(), webhook);
    ApprovalStore.Hold hold = new ApprovalStore.Hold("zone_prod", "d1", "app_1", Optional.empty(), "resource://payouts",
        Map.of("method", "POST", "path", "/payouts", "rules", List.of("payouts/large")), Duration.ofMinutes(10), Approval.Reuse.ONCE,
        List.of(), "req_1");

    Approval first = store.hold(hold);
    Approval again = store.hold(hold);
    store.hold(new ApprovalStore.Hold("zone_quiet", "d1", "app_1", Optional.empty(), "resource://payouts", Map.of(),
        Duration.ofMinutes(10), Approval.Reuse.ONCE, List.of(), "req_2"));
    String body = bodies.poll(10, TimeUnit.SECONDS);
    Thread.sleep(300);

    assertEquals(first.id(), again.id());
    assertEquals(first.id(), JSON.readTree(body).path("approval_id").asText());
    assertEquals(1, attempts.get(), "one notice for the one new approval of the zone with a webhook");
    assertTrue(bodies.isEmpty());
  }
}
