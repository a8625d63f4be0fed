package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production topology as separate processes of the built jar over the local PostgreSQL (what
 * compose.yml describes): one control + STS process and two gateway processes sharing one database
 * and one master key. A token works on both gateways; a terminated session and a new activation
 * reach both; killing one gateway leaves the other serving.
 */
class ReplicasIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DB = "caracal_replicas_" + Long.toHexString(System.nanoTime());
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  static final List<Process> processes = new ArrayList<>();
  static HttpServer upstream;
  static String sts;
  static String admin;
  static String gateway1;
  static String gateway2;
  static Process gateway1Process;

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("create database " + DB);
    }
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      byte[] out = "ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    upstream.start();
    Path masterKey = dir.resolve("master.key");
    Files.writeString(masterKey, Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k') + "\n");
    Files.setPosixFilePermissions(masterKey, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    JsonNode control = startServer("control", masterKey, "--roles", "control,sts", "--sts-port", "0");
    sts = control.get("sts_url").asText();
    admin = Files.readString(dir.resolve("control/admin.token")).trim();
    gateway1Process = null;
    gateway1 = startServer("gw1", masterKey, "--roles", "gateway", "--gateway-port", "0", "--sts-port", "0", "--issuer", sts)
        .get("gateway_url").asText();
    gateway1Process = processes.get(processes.size() - 1);
    gateway2 = startServer("gw2", masterKey, "--roles", "gateway", "--gateway-port", "0", "--sts-port", "0", "--issuer", sts)
        .get("gateway_url").asText();
  }

  static JsonNode startServer(String name, Path masterKey, String... args) throws Exception {
    Path home = dir.resolve(name);
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", CaracalProcess.jar().toString(), "serve",
        "--db", PG + DB, "--db-user", "postgres"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    pb.environment().put("CARACAL_MASTER_KEY_FILE", masterKey.toString());
    pb.environment().put("CARACAL_LEDGER_KEY_DIR", dir.resolve("ledger-keys").toString()); // one checkpoint key for every process
    processes.add(pb.start());
    Path state = home.resolve("server.json");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(state)) {
        return JSON.readTree(Files.readString(state));
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " did not start: " + Files.readString(dir.resolve(name + ".log")));
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("drop database if exists " + DB + " with (force)");
    }
  }

  static JsonNode admin(String method, String path, Object body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(sts + path)).header("Authorization", "Bearer " + admin)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() < 300, path + " -> " + r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  static HttpResponse<String> app(String method, String path, String basic, String contentType, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(sts + path)).header("Authorization", basic).header("Content-Type", contentType)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int call(String gateway, String method, String token) throws Exception {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/items")).header("Authorization", "Bearer " + token)
          .header("X-Caracal-Resource", "resource://items-api").method(method, HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Polls until the status matches (propagation is bounded, but the machine may be busy). */
  static void eventually(String gateway, String method, String token, IntPredicate expected, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int last = 0;
    while (System.nanoTime() < deadline) {
      last = call(gateway, method, token);
      if (expected.test(last)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(what + " on " + gateway + ": last status " + last);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void replicas_shareTokensRevocationsAndActivations() throws Exception {
    admin("POST", "/admin/v1/zones", Map.of("name", "prod"));
    JsonNode app = admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "agent"));
    String basic = "Basic " + Base64.getEncoder().encodeToString(
        (app.get("id").asText() + ":" + app.get("client_secret").asText()).getBytes(StandardCharsets.UTF_8));
    admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://items-api", "scopes", List.of("items:read"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
    String allow = "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: items}\nspec:\n  resources: [\"resource://items-api\"]\n"
        + "  rules:\n    - {name: reads, effect: allow, scopes: [\"items:read\"]}\n"
        + "---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: prod}\nspec: {policies: [items]}\n";
    admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", allow))));
    admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "prod"));

    JsonNode session = JSON.readTree(app("POST", "/v1/sessions", basic, "application/json", "{}").body());
    HttpResponse<String> exchange = app("POST", "/oauth2/token", basic, "application/x-www-form-urlencoded",
        "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange") + "&subject_token=" + enc(session.get("session_token").asText())
            + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:jwt") + "&resource=" + enc("resource://items-api")
            + "&scope=items:read");
    assertEquals(200, exchange.statusCode(), exchange.body());
    String token = JSON.readTree(exchange.body()).get("access_token").asText();

    eventually(gateway1, "GET", token, s -> s == 200, "a token from the STS works");
    eventually(gateway2, "GET", token, s -> s == 200, "a token from the STS works");

    // an activation made through the control process reaches both gateways
    String deny = "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: no-deletes}\nspec:\n  resources: [\"resource://items-api\"]\n"
        + "  rules:\n    - {name: no-deletes, effect: deny, scopes: [\"*\"], when: \"request.method == 'DELETE'\"}\n"
        + "---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: prod}\nspec: {policies: [items, no-deletes]}\n";
    HttpResponse<String> delete = HTTP.send(HttpRequest.newBuilder(URI.create(gateway1 + "/items")).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", "resource://items-api").method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, delete.statusCode(), delete.body());
    admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "d.yaml", "content", deny))));
    admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "prod"));
    eventually(gateway1, "DELETE", token, s -> s == 403, "the new activation denies deletes");
    eventually(gateway2, "DELETE", token, s -> s == 403, "the new activation denies deletes");

    // a database outage: requests fail closed meanwhile, then succeed again without restarting Caracal
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("alter database " + DB + " allow_connections false");
      c.createStatement().execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + DB + "'");
    }
    try {
      eventually(gateway2, "GET", token, s -> s >= 500, "requests fail closed while the database is down");
    } finally {
      try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
        c.createStatement().execute("alter database " + DB + " allow_connections true");
      }
    }
    eventually(gateway2, "GET", token, s -> s == 200, "requests succeed again after the database is back");

    // killing one gateway leaves the other serving
    gateway1Process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    eventually(gateway2, "GET", token, s -> s == 200, "the surviving gateway serves");

    // a session terminated through the STS is refused by every gateway
    // the first write the control process makes after the outage (its ledger writer's pooled
    // connection died with the database): the writer checks the chain head and retries, so it lands
    HttpResponse<String> ended = app("DELETE", "/v1/sessions/" + session.get("session_id").asText(), basic, "application/json", null);
    assertEquals(200, ended.statusCode(), "terminating the session right after the outage: " + ended.body());
    eventually(gateway2, "GET", token, s -> s == 401, "the terminated session is refused");

    // every process's ledger chain verifies: offline with the shared checkpoint public key, and
    // through any process's admin API, which trusts the same key
    Path publicKey = dir.resolve("ledger-keys/ledger-signing.pub.pem");
    try (var ledger = run.caracal.ledger.Ledger.open(run.caracal.ledger.LedgerConfig.jdbc(PG + DB, "postgres", "",
        dir.resolve("verifier-keys")).withMigrate(false))) {
      var report = ledger.verify(run.caracal.ledger.checkpoint.TrustedKeys.fromPemFile(publicKey));
      assertTrue(report.ok(), report.summary());
      assertEquals(3, report.chains(), report.summary());
    }
    JsonNode verified = admin("GET", "/admin/v1/ledger/verify", null);
    assertTrue(verified.path("ok").asBoolean(), verified.toString());
    assertEquals(3, verified.path("chains").asInt(), verified.toString());
  }
}
