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
 * server's own embedded database to make commits fail.
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
    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    client.admin("POST", "/admin/v1/zones", Map.of("name", "o"));
    var app = client.admin("POST", "/admin/v1/zones/o/apps", Map.of("name", "reader"));
    String appId = app.json().get("id").asText();
    String secret = app.json().get("client_secret").asText();
    client.admin("PUT", "/admin/v1/zones/o/resources", Map.of("id", "resource://outage-api", "scopes", List.of("read"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
    client.admin("POST", "/admin/v1/zones/o/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY))));
    client.admin("POST", "/admin/v1/zones/o/activate", Map.of("policy_set", "p"));
    var session = client.app("POST", "/v1/sessions", appId, secret, "application/json", "{}");
    var t = client.form("/oauth2/token", appId, secret, Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", session.json().get("session_token").asText(),
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", "resource://outage-api", "scope", "read"));
    assertEquals(200, t.status(), t.raw().body());
    token = t.json().get("access_token").asText();
  }

  @AfterAll
  static void stop() {
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
