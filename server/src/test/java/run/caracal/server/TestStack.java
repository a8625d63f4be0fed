package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.server.home.CaracalHome;

/**
 * One real server (control + STS) for a test class, on embedded H2 in a temporary home or on the
 * local PostgreSQL (a database made for this stack and dropped on close), plus fixtures that set
 * zones, apps, resources and policies up through the admin API and drive the STS over HTTP.
 */
final class TestStack implements AutoCloseable {
  static final String H2 = "h2";
  static final String POSTGRESQL = "postgresql";
  static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
  static final String PG_USER = "postgres";

  static final String RESOURCE = "resource://billing-api";
  static final List<String> RESOURCE_SCOPES = List.of("billing:read", "billing:charge", "billing:refund", "billing:admin");
  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String URN_JWT = "urn:ietf:params:oauth:token-type:jwt";
  static final String URN_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

  /** Allows read and charge, denies refunds, says nothing about admin. */
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - name: agents-read-and-charge
            effect: allow
            scopes: ["billing:read", "billing:charge"]
          - name: no-refunds
            effect: deny
            scopes: ["billing:refund"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing]}
      """;

  private static final AtomicInteger COUNTER = new AtomicInteger();

  record Zone(String name, String id) {}

  record App(String id, String secret, Zone zone) {}

  final String database;
  final Path home;
  final CaracalServer server;
  final TestClient client;
  private final Optional<String> pgDatabase;

  private TestStack(String database, Path home, CaracalServer server, TestClient client, Optional<String> pgDatabase) {
    this.database = database;
    this.home = home;
    this.server = server;
    this.client = client;
    this.pgDatabase = pgDatabase;
  }

  static TestStack start(String database) {
    Path home;
    try {
      home = Files.createTempDirectory("caracal-it-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Optional<String> pg = Optional.empty();
    Optional<String> url = Optional.empty();
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    if (database.equals(POSTGRESQL)) {
      String name = "caracal_it_" + HexFormat.of().formatHex(randomBytes(6));
      pgAdmin("create database " + name);
      pg = Optional.of(name);
      url = Optional.of("jdbc:postgresql://127.0.0.1:5432/" + name);
      user = Optional.of(PG_USER);
      password = Optional.of("");
    } else if (!database.equals(H2)) {
      throw new IllegalArgumentException("unknown database " + database);
    }
    try {
      CaracalServer server = CaracalServer.start(new ServerSettings(new CaracalHome(home.resolve("home")), url, user, password,
          "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts")));
      TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("home").resolve("admin.token")).trim());
      return new TestStack(database, home, server, client, pg);
    } catch (IOException e) {
      pg.ifPresent(TestStack::dropDatabase);
      deleteTree(home);
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      pg.ifPresent(TestStack::dropDatabase);
      deleteTree(home);
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      pgDatabase.ifPresent(TestStack::dropDatabase);
      deleteTree(home);
    }
  }

  // admin fixtures

  Zone zone(String prefix) {
    String name = prefix + "-" + COUNTER.incrementAndGet();
    var r = client.admin("POST", "/admin/v1/zones", Map.of("name", name));
    assertEquals(201, r.status(), r.raw().body());
    return new Zone(name, r.json().get("id").asText());
  }

  App app(Zone zone, String name) {
    var r = client.admin("POST", "/admin/v1/zones/" + zone.name() + "/apps", Map.of("name", name));
    assertEquals(201, r.status(), r.raw().body());
    return new App(r.json().get("id").asText(), r.json().get("client_secret").asText(), zone);
  }

  void resource(Zone zone, String id, List<String> scopes) {
    var r = client.admin("PUT", "/admin/v1/zones/" + zone.name() + "/resources",
        Map.of("id", id, "scopes", scopes, "upstream", "http://127.0.0.1:9"));
    assertEquals(200, r.status(), r.raw().body());
  }

  void push(Zone zone, String yaml) {
    var r = client.admin("POST", "/admin/v1/zones/" + zone.name() + "/policies",
        Map.of("files", List.of(Map.of("name", "policy.yaml", "content", yaml))));
    assertEquals(200, r.status(), r.raw().body());
  }

  void activate(Zone zone, String set, boolean shadow) {
    var r = client.admin("POST", "/admin/v1/zones/" + zone.name() + "/activate", Map.of("policy_set", set, "shadow", shadow));
    assertEquals(200, r.status(), r.raw().body());
  }

  /** A zone with the billing resource and {@link #POLICY} active. */
  Zone billingZone(String prefix) {
    Zone zone = zone(prefix);
    resource(zone, RESOURCE, RESOURCE_SCOPES);
    push(zone, POLICY);
    activate(zone, "production", false);
    return zone;
  }

  // STS calls

  TestClient.Response openSession(App app, Map<String, Object> body) {
    return client.app("POST", "/v1/sessions", app.id(), app.secret(), "application/json", run.caracal.control.db.Json.write(body));
  }

  /** Opens a session and returns its JSON (asserting 201). */
  TestClient.Response session(App app, Map<String, Object> body) {
    var r = openSession(app, body);
    assertEquals(201, r.status(), r.raw().body());
    return r;
  }

  TestClient.Response exchange(App app, String subjectToken, String resource, String scope) {
    return exchange(app, subjectToken, URN_JWT, resource, scope, Map.of());
  }

  TestClient.Response exchange(App app, String subjectToken, String subjectTokenType, String resource, String scope,
      Map<String, String> extra) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", TOKEN_EXCHANGE);
    form.put("subject_token", subjectToken);
    form.put("subject_token_type", subjectTokenType);
    if (resource != null) {
      form.put("resource", resource);
    }
    if (scope != null) {
      form.put("scope", scope);
    }
    form.putAll(extra);
    return client.form("/oauth2/token", app.id(), app.secret(), form);
  }

  /** Exchanges and returns the access token (asserting 200). */
  String accessToken(App app, String subjectToken, String scope) {
    var r = exchange(app, subjectToken, RESOURCE, scope);
    assertEquals(200, r.status(), r.raw().body());
    return r.json().get("access_token").asText();
  }

  TestClient.Response clientCredentials(App app, String resource, String scope) {
    return client.form("/oauth2/token", app.id(), app.secret(),
        Map.of("grant_type", "client_credentials", "resource", resource, "scope", scope));
  }

  TestClient.Response introspect(App app, String token) {
    var r = client.form("/oauth2/introspect", app.id(), app.secret(), Map.of("token", token));
    assertEquals(200, r.status(), r.raw().body());
    return r;
  }

  boolean active(App app, String token) {
    return introspect(app, token).json().get("active").asBoolean();
  }

  /** An RFC 6749 §5.2 error body with Caracal's reason and the request id of the response. */
  static void assertRefused(TestClient.Response r, int status, String error, String reason) {
    String body = r.raw().body();
    assertEquals(status, r.status(), body);
    assertEquals(error, r.json().path("error").asText(), body);
    assertEquals(reason, r.json().path("reason").asText(), body);
    assertEquals(requestId(r), r.json().path("request_id").asText(), body);
  }

  static String requestId(TestClient.Response r) {
    return r.raw().headers().firstValue("X-Caracal-Request-Id").orElseThrow(() -> new AssertionError("no request id"));
  }

  /** Ledger events of a request, waiting briefly for ones appended without waiting for commit. */
  List<AppendedEvent> events(String requestId, String type, int atLeast) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      List<AppendedEvent> found = server.ledger().byRequestId(requestId).stream().filter(e -> e.event().type().equals(type)).toList();
      if (found.size() >= atLeast || System.nanoTime() > deadline) {
        return found;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return found;
      }
    }
  }

  // plumbing

  private static void pgAdmin(String sql) {
    try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, PG_USER, "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("postgresql at 127.0.0.1:5432: " + e.getMessage(), e);
    }
  }

  private static void dropDatabase(String name) {
    pgAdmin("drop database if exists " + name + " with (force)");
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
