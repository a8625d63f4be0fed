package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.ledger.store.DataSources;
import run.caracal.server.home.CaracalHome;

/**
 * An allowed request is forwarded only once its decision is durable: while the ledger cannot
 * commit, the Gateway answers 503 `ledger_unavailable` and the upstream sees nothing; when the
 * ledger is back, requests flow again without a restart. The ledger table is taken away in the
 * server's own embedded database to make commits fail. The server runs without the ledger journal
 * (with it, a decision is durable in the journal while the table is away: see JournalTest).
 */
class GatewayLedgerOutageTest {
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: p}
      spec:
        resources: ["resource://outage-api"]
        rules:
          - {name: read, effect: allow, scopes: ["read"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: p}
      spec: {policies: [p]}
      """;

  @TempDir static Path home;
  static CaracalServer server;
  static HttpServer upstream;
  static final AtomicInteger served = new AtomicInteger();
  static String token;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      served.incrementAndGet();
      byte[] out = "ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    upstream.start();
    System.setProperty("caracal.ledger.journal", "off");
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    TestClient.App app = client.zoneWithApp("o", "reader");
    client.admin("PUT", "/admin/v1/zones/o/resources", Map.of("id", "resource://outage-api", "scopes", List.of("read"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
    client.activate("o", POLICY, "p");
    token = client.resourceToken(app, "resource://outage-api", "read");
  }

  @AfterAll
  static void stop() {
    System.clearProperty("caracal.ledger.journal");
    if (server != null) {
      server.close();
    }
    upstream.stop(0);
  }

  private static HttpResponse<String> get() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl().orElseThrow() + "/items"))
        .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", "resource://outage-api").GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(DataSources.h2Url(new CaracalHome(home).database()), "sa", "");
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  @Test
  void ledgerCannotCommit_503AndNothingForwarded_thenRecovers() throws Exception {
    assertEquals(200, get().statusCode());
    int before = served.get();

    sql("ALTER TABLE ledger_event RENAME TO ledger_event_away");
    try {
      HttpResponse<String> refused = get();
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("\"reason\":\"ledger_unavailable\""), refused.body());
      assertEquals(before, served.get(), "nothing reached the upstream");
    } finally {
      sql("ALTER TABLE ledger_event_away RENAME TO ledger_event");
    }

    assertEquals(200, get().statusCode());
    assertEquals(before + 1, served.get());
  }
}
