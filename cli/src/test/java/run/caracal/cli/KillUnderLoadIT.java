package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ledger's promise, tested on the built jar as real processes: an allowed request reaches its
 * upstream only after its `gateway.decision` record is durable. `caracal serve` takes concurrent
 * allowed calls through the Gateway to an upstream that notes the `X-Request-Id` of every request
 * it receives; the server is killed with SIGKILL while the calls run, started again on the same
 * home (and database), and then every request id the upstream saw must have its allow record in
 * `caracal audit export`, and `caracal audit verify` must find that export intact. On PostgreSQL
 * the kill comes while a test transaction holds the event table against inserts, so decisions
 * are waiting for commits that never come: a Gateway that forwarded before the commit is caught
 * (in a trial that forwarded granted requests without waiting, 55 of 874 had no record). On H2
 * the kill comes in plain load, which catches lost commits (in a trial without H2's
 * `WRITE_DELAY=0`, 145 of 1,501) but only by chance a forward made before its commit.
 */
class KillUnderLoadIT {
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: items}
      spec:
        resources: ["resource://items-api"]
        rules:
          - {name: reads, effect: allow, scopes: ["items:read"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: prod}
      spec: {policies: [items]}
      """;
  static final int CALLERS = 24;
  /** Requests the upstream has received when the server is killed. */
  static final int RECEIVED_BEFORE_KILL = 800;
  /** How long PostgreSQL commits are held up before the kill (not a timing check). */
  static final long STALL_MILLIS = 500;

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"h2", "postgresql"})
  void sigkillUnderLoad_everyRequestTheUpstreamReceivedHasItsAllowRecord(String database) throws Exception {
    String db = "caracal_kill_" + Long.toHexString(System.nanoTime());
    String[] serveArgs = database.equals("h2") ? new String[0] : new String[] {"--db", PG + db, "--db-user", "postgres"};
    if (!database.equals("h2")) {
      postgres("create database " + db);
    }
    Path home = Files.createDirectories(dir.resolve("home"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Upstream upstream = Upstream.start();
    try {
      ServeProcess server = ServeProcess.start(home, work, serveArgs);
      Load load;
      try {
        load = new Load(server.gatewayUrl, token(server, upstream.url), upstream);
        load.untilReceived(RECEIVED_BEFORE_KILL);
        if (database.equals("h2")) {
          server.kill();
        } else {
          stallCommitsThenKill(db, server);
        }
      } finally {
        server.close(); // a no-op after the kill; stops the server when the load failed to start
      }
      load.awaitCallers();

      try (ServeProcess restarted = ServeProcess.start(home, work, serveArgs)) {
        Path export = work.resolve("ledger.ndjson");
        CaracalProcess.Result exported = CaracalProcess.runAt(home, work, "audit", "export", "--out", export.toString());
        assertEquals(0, exported.exit(), exported::toString);
        CaracalProcess.Result verified = CaracalProcess.runAt(home, work, "audit", "verify", "--export", export.toString());
        assertEquals(0, verified.exit(), verified::toString);
        assertTrue(verified.out().startsWith("ok: "), verified::toString);

        upstream.stop();
        Set<String> received = upstream.requestIds();
        Set<String> missing = new TreeSet<>(received);
        missing.removeAll(allowRecords(export));
        System.out.printf("%s: upstream received %d request(s) (%d answered 200, %d call(s) failed at the kill), none missing: %s%n",
            database, received.size(), load.answered.get(), load.failed.get(), missing.isEmpty());
        assertEquals(0, upstream.withoutId.get(), "requests reached the upstream without an X-Request-Id");
        assertTrue(received.size() >= RECEIVED_BEFORE_KILL, "upstream received " + received.size());
        assertTrue(load.failed.get() > 0, "the kill happened while calls were running");
        assertTrue(missing.isEmpty(), missing.size() + " of " + received.size()
            + " request(s) the upstream received have no allow record after the restart, among them "
            + missing.stream().limit(10).toList());
      }
    } finally {
      upstream.stop();
      if (!database.equals("h2")) {
        postgres("drop database if exists " + db + " with (force)");
      }
    }
  }

  /** A zone whose app may read `resource://items-api` (upstream: the test's), and a token for it. */
  private static String token(ServeProcess server, String upstreamUrl) throws Exception {
    server.admin("POST", "/admin/v1/zones", Map.of("name", "prod"), 201);
    JsonNode app = server.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "agent"), 201);
    server.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://items-api", "scopes", List.of("items:read"),
        "upstream", upstreamUrl), 200);
    server.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "items.yaml", "content", POLICY))), 200);
    server.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "prod"), 200);
    String basic = ServeProcess.basic(app);
    JsonNode session = server.session(basic, Map.of());
    HttpResponse<String> exchange = server.token(basic, session.get("session_token").asText(), "resource://items-api", "items:read");
    assertEquals(200, exchange.statusCode(), exchange.body());
    return ServeProcess.JSON.readTree(exchange.body()).get("access_token").asText();
  }

  /** Request ids of the export's `gateway.decision` events that allowed the request. */
  private static Set<String> allowRecords(Path export) throws IOException {
    Set<String> ids = new HashSet<>();
    try (var lines = Files.lines(export)) {
      for (String line : (Iterable<String>) lines::iterator) {
        JsonNode record = ServeProcess.JSON.readTree(line);
        if (record.path("kind").asText().equals("event") && record.path("event_type").asText().equals("gateway.decision")
            && record.path("decision").asText().equals("allow")) {
          ids.add(record.path("request_id").asText());
        }
      }
    }
    return ids;
  }

  /**
   * Holds PostgreSQL's event table against inserts for a moment and kills the server meanwhile:
   * decisions go on being made but none can commit, so a Gateway that forwarded an allowed
   * request before its record committed would hand the upstream requests whose records die
   * with the process.
   */
  private static void stallCommitsThenKill(String db, ServeProcess server) throws Exception {
    try (Connection c = DriverManager.getConnection(PG + db, "postgres", "")) {
      c.setAutoCommit(false);
      c.createStatement().execute("lock table ledger_event in share mode");
      Thread.sleep(STALL_MILLIS);
      server.kill();
      c.rollback();
    }
  }

  private static void postgres(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute(sql);
    }
  }

  /** An HTTP server on loopback that notes the `X-Request-Id` of each request as it arrives, then answers 200. */
  private static final class Upstream {
    final String url;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    final AtomicInteger withoutId = new AtomicInteger();

    private boolean stopped;

    private Upstream(HttpServer server) {
      this.server = server;
      this.url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static Upstream start() throws IOException {
      Upstream upstream = new Upstream(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256));
      upstream.server.createContext("/", exchange -> {
        String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
        if (id == null) {
          upstream.withoutId.incrementAndGet();
        } else {
          upstream.ids.add(id);
        }
        byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      upstream.server.setExecutor(upstream.threads);
      upstream.server.start();
      return upstream;
    }

    int received() {
      return ids.size();
    }

    Set<String> requestIds() {
      return Set.copyOf(ids);
    }

    /** Stops taking requests (idempotent); requests already read are noted before it returns. */
    void stop() throws InterruptedException {
      if (stopped) {
        return;
      }
      stopped = true;
      server.stop(0);
      threads.shutdown();
      threads.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Callers that each send allowed GETs through the Gateway, one after another, until a call fails to connect or read. */
  private static final class Load {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private final List<Thread> callers = new ArrayList<>();
    private final Upstream upstream;

    Load(String gatewayUrl, String token, Upstream upstream) {
      this.upstream = upstream;
      for (int i = 0; i < CALLERS; i++) {
        int caller = i;
        Thread t = new Thread(() -> call(gatewayUrl, token, caller), "load-" + i);
        t.setDaemon(true);
        t.start();
        callers.add(t);
      }
    }

    private void call(String gatewayUrl, String token, int caller) {
      for (long n = 0; ; n++) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/items/" + caller + "-" + n))
            .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", "resource://items-api")
            .timeout(Duration.ofSeconds(20)).GET().build();
        try {
          if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            answered.incrementAndGet();
          }
        } catch (IOException e) {
          failed.incrementAndGet();
          return;
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Waits until the upstream has received {@code count} requests; fails when the callers stop first or the guard passes. */
    void untilReceived(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (upstream.received() < count) {
        if (callers.stream().noneMatch(Thread::isAlive) || System.nanoTime() > deadline) {
          fail("the upstream received " + upstream.received() + " request(s) before the callers stopped or the guard passed;"
              + " answered " + answered.get() + ", failed " + failed.get());
        }
        Thread.sleep(5);
      }
    }

    void awaitCallers() throws InterruptedException {
      for (Thread t : callers) {
        t.join(TimeUnit.SECONDS.toMillis(30));
        if (t.isAlive()) {
          fail("a caller still runs 30 s after the kill");
        }
      }
    }
  }
}
