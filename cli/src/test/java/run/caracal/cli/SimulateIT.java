package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * `caracal policy simulate` as a user runs it: a real `caracal serve`, real traffic through the
 * STS and the Gateway, then candidates from local files replayed against the recorded decisions,
 * from the server and from an export.
 */
final class SimulateIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String RESOURCE = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: notes}
      spec: {id: "resource://notes-api", scopes: [notes:read, notes:write, notes:admin]}
      """;
  private static final String PRODUCTION = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: notes}
      spec:
        resources: ["resource://notes-api"]
        rules:
          - {name: reads, effect: allow, scopes: ["notes:read"]}
          - {name: writes, effect: allow, scopes: ["notes:write"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [notes]}
      """;

  static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
  static final String DB = "caracal_simulate_it_" + ProcessHandle.current().pid();

  @TempDir
  static Path home;
  @TempDir
  static Path work;
  static ServeProcess server;
  static HttpServer upstream;
  static String gatewayUrl;
  static final List<String> writes = new ArrayList<>();
  static String headerRead;
  static String shadowDisagreement;

  @BeforeAll
  static void traffic() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      ex.sendResponseHeaders(200, 2);
      ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
      ex.close();
    });
    upstream.start();
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("create database " + DB);
    }
    server = ServeProcess.start(home, work, "--db", PG + DB, "--db-user", "postgres");
    gatewayUrl = JSON.readTree(Files.readString(home.resolve("server.json"))).get("gateway_url").asText();
    server.admin("POST", "/admin/v1/zones", Map.of("name", "notes"), 201);
    JsonNode app = server.admin("POST", "/admin/v1/zones/notes/apps", Map.of("name", "note-agent"), 201);
    server.admin("PUT", "/admin/v1/zones/notes/resources", Map.of("id", "resource://notes-api",
        "scopes", List.of("notes:read", "notes:write", "notes:admin"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()), 200);
    server.admin("POST", "/admin/v1/zones/notes/policies",
        Map.of("files", List.of(Map.of("name", "notes.yaml", "content", PRODUCTION))), 200);
    server.admin("POST", "/admin/v1/zones/notes/activate", Map.of("policy_set", "production"), 200);

    String basic = ServeProcess.basic(app);
    String subject = server.session(basic, Map.of()).get("session_token").asText();
    HttpResponse<String> read = server.token(basic, subject, "resource://notes-api", "notes:read");
    HttpResponse<String> write = server.token(basic, subject, "resource://notes-api", "notes:write");
    HttpResponse<String> admin = server.token(basic, subject, "resource://notes-api", "notes:admin");
    assertEquals(200, read.statusCode(), read.body());
    assertEquals(200, write.statusCode(), write.body());
    assertEquals(403, admin.statusCode(), admin.body());
    writes.add(requestId(write));
    String readToken = JSON.readTree(read.body()).get("access_token").asText();
    String writeToken = JSON.readTree(write.body()).get("access_token").asText();
    HttpResponse<String> get = call(readToken, "GET", Map.of());
    HttpResponse<String> post = call(writeToken, "POST", Map.of());
    HttpResponse<String> keyed = call(readToken, "GET", Map.of("X-Api-Key", "k-123"));
    assertEquals(200, get.statusCode(), get.body());
    assertEquals(200, post.statusCode(), post.body());
    assertEquals(200, keyed.statusCode(), keyed.body());
    writes.add(requestId(post));
    headerRead = requestId(keyed);
    Files.writeString(work.resolve("resource.yaml"), RESOURCE);

    // a second zone runs a read-only candidate in shadow: one of its two issues disagrees
    server.admin("POST", "/admin/v1/zones", Map.of("name", "shadowed"), 201);
    JsonNode other = server.admin("POST", "/admin/v1/zones/shadowed/apps", Map.of("name", "shadow-agent"), 201);
    server.admin("PUT", "/admin/v1/zones/shadowed/resources", Map.of("id", "resource://notes-api",
        "scopes", List.of("notes:read", "notes:write", "notes:admin"), "upstream", "http://127.0.0.1:9"), 200);
    String readOnly = PRODUCTION.replace("    - {name: writes, effect: allow, scopes: [\"notes:write\"]}\n", "")
        .replace("name: production", "name: read-only");
    server.admin("POST", "/admin/v1/zones/shadowed/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", PRODUCTION),
        Map.of("name", "r.yaml", "content", readOnly.replace("metadata: {name: notes}", "metadata: {name: notes-ro}")
            .replace("policies: [notes]", "policies: [notes-ro]")))), 200);
    server.admin("POST", "/admin/v1/zones/shadowed/activate", Map.of("policy_set", "production"), 200);
    server.admin("POST", "/admin/v1/zones/shadowed/activate", Map.of("policy_set", "read-only", "shadow", true), 200);
    String otherBasic = ServeProcess.basic(other);
    String otherSubject = server.session(otherBasic, Map.of()).get("session_token").asText();
    assertEquals(200, server.token(otherBasic, otherSubject, "resource://notes-api", "notes:read").statusCode());
    HttpResponse<String> disagreed = server.token(otherBasic, otherSubject, "resource://notes-api", "notes:write");
    assertEquals(200, disagreed.statusCode(), disagreed.body());
    shadowDisagreement = requestId(disagreed);
  }

  @Test
  void shadowReport_theRecordedDisagreementIsReportedAgainstTheShadowSet() throws Exception {
    CaracalProcess.Result r = caracal("policy", "shadow-report", "--zone", "shadowed", "--format", "json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode report = JSON.readTree(r.out());
    assertEquals(2, report.at("/summary/total").asInt(), r.out());
    assertEquals(1, report.at("/summary/allow_to_deny").asInt(), r.out());
    assertEquals(shadowDisagreement, report.at("/changes/0/request_id").asText());
    assertEquals("read-only", report.at("/policy_set/name").asText());
    assertEquals(4, caracal("policy", "shadow-report", "--zone", "shadowed", "--fail-on-change").exit());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("drop database if exists " + DB + " with (force)");
    }
  }

  private static String requestId(HttpResponse<String> r) {
    return r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
  }

  private static HttpResponse<String> call(String token, String method, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gatewayUrl + "/notes/1")).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", "resource://notes-api").method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A candidate directory: the resource plus one policy file. */
  private static Path candidate(String name, String policy) throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    Files.writeString(dir.resolve("resource.yaml"), RESOURCE);
    Files.writeString(dir.resolve("policy.yaml"), policy);
    return dir;
  }

  private static CaracalProcess.Result caracal(String... args) throws IOException, InterruptedException {
    List<String> command = CaracalProcess.cliCommand();
    command.addAll(List.of(args));
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("caracal " + String.join(" ", args) + " hung");
    }
    return new CaracalProcess.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void activateImpact_printsTheLastDaysChangesOfThePushedVersionThenActivates() throws Exception {
    String noWrites = PRODUCTION.replace("    - {name: writes, effect: allow, scopes: [\"notes:write\"]}\n", "");
    server.admin("POST", "/admin/v1/zones/notes/policies",
        Map.of("files", List.of(Map.of("name", "notes.yaml", "content", noWrites))), 200);

    CaracalProcess.Result v2 = caracal("policy", "activate", "production", "--zone", "notes", "--impact");
    CaracalProcess.Result v1 = caracal("policy", "activate", "production", "--zone", "notes", "--version", "1",
        "--impact", "--json");

    assertEquals(0, v2.exit(), v2::toString);
    assertTrue(v2.out().contains("impact of policy set `production` version 2 on the last 24 h:"), v2.out());
    assertTrue(v2.out().contains("allow -> deny  2"), v2.out());
    assertTrue(v2.out().contains("activated policy set `production` version 2"), v2.out());
    for (String id : writes) {
      assertTrue(v2.out().contains(id), "sample request ids name the writes: " + v2.out());
    }
    assertEquals(0, v1.exit(), v1::toString);
    JsonNode rollback = JSON.readTree(v1.out());
    assertEquals(1, rollback.path("version").asInt(), v1.out());
    assertEquals(6, rollback.at("/impact/summary/total").asInt(), "the version that made the decisions changes none: " + v1.out());
    assertEquals(6, rollback.at("/impact/summary/unchanged").asInt(), v1.out());
    assertEquals(1, rollback.at("/impact/policy_set/version").asInt(), v1.out());

    CaracalProcess.Result unknown = caracal("policy", "activate", "nope", "--zone", "notes", "--impact");
    assertEquals(1, unknown.exit(), unknown::toString);
    assertTrue(unknown.err().contains("zone `notes` has no policy set `nope`"), unknown.err());
  }

  @Test
  void simulate_withoutTheWritesRule_exactlyTheWritesBecomeDenials() throws Exception {
    Path dir = candidate("no-writes", PRODUCTION.replace("    - {name: writes, effect: allow, scopes: [\"notes:write\"]}\n", ""));

    CaracalProcess.Result r = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode report = JSON.readTree(r.out());
    assertEquals(6, report.at("/summary/total").asInt(), r.out());
    assertEquals(2, report.at("/summary/allow_to_deny").asInt(), r.out());
    assertEquals(0, report.at("/summary/deny_to_allow").asInt(), r.out());
    assertEquals(4, report.at("/summary/unchanged").asInt(), r.out());
    List<String> changed = new ArrayList<>();
    report.path("changes").forEach(c -> {
      changed.add(c.path("request_id").asText());
      assertEquals("allow", c.path("from").asText());
      assertEquals("deny", c.path("to").asText());
      assertEquals("(no allow rule grants)", c.at("/rules/0").asText(), c.toString());
    });
    assertEquals(writes.stream().sorted().toList(), changed.stream().sorted().toList());
    assertEquals(List.of("issue", "request"), List.of(report.at("/changes/0/phase").asText(), report.at("/changes/1/phase").asText()));
    assertEquals("production", report.at("/policy_set/name").asText());
  }

  @Test
  void simulate_aNewDenyRule_isNamedAndTheExportGivesTheSameAnswer() throws Exception {
    Path dir = candidate("no-posts", PRODUCTION.replace("    - {name: writes,",
        "    - {name: no-posts, effect: deny, scopes: [\"*\"], when: \"request.method == 'POST'\"}\n    - {name: writes,"));
    CaracalProcess.Result exported = caracal("audit", "export", "--out", work.resolve("ledger.ndjson").toString());
    assertEquals(0, exported.exit(), exported::toString);

    CaracalProcess.Result live = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json");
    CaracalProcess.Result offline = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json",
        "--export", work.resolve("ledger.ndjson").toString());

    assertEquals(0, live.exit(), live::toString);
    assertEquals(0, offline.exit(), offline::toString);
    JsonNode report = JSON.readTree(live.out());
    assertEquals(1, report.at("/summary/allow_to_deny").asInt(), live.out());
    assertEquals("notes@0/no-posts", report.at("/by_rule/0/rule").asText(), live.out());
    assertEquals(writes.get(1), report.at("/changes/0/request_id").asText());
    assertEquals(report.path("summary"), JSON.readTree(offline.out()).path("summary"), "the export gives the same answer");
    assertEquals(report.path("changes"), JSON.readTree(offline.out()).path("changes"));
  }

  @Test
  void simulate_fromTheDatabase_givesTheServersAnswer() throws Exception {
    Path dir = candidate("db", PRODUCTION.replace("    - {name: writes, effect: allow, scopes: [\"notes:write\"]}\n", ""));

    CaracalProcess.Result live = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json");
    CaracalProcess.Result direct = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json",
        "--db", PG + DB, "--db-user", "postgres");
    CaracalProcess.Result both = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--db", PG + DB,
        "--export", work.resolve("x.ndjson").toString());
    CaracalProcess.Result unreachable = caracal("policy", "simulate", dir.toString(), "--zone", "notes",
        "--db", "jdbc:postgresql://127.0.0.1:1/none", "--db-user", "postgres");

    assertEquals(0, direct.exit(), direct::toString);
    JsonNode fromDb = JSON.readTree(direct.out());
    assertEquals(2, fromDb.at("/summary/allow_to_deny").asInt(), direct.out());
    assertEquals(JSON.readTree(live.out()).get("summary"), fromDb.get("summary"));
    assertEquals(JSON.readTree(live.out()).get("changes"), fromDb.get("changes"));
    assertEquals(2, both.exit(), both::toString);
    assertTrue(both.err().contains("give either --export or --db, not both"), both.err());
    assertEquals(1, unreachable.exit(), unreachable::toString);
    assertTrue(unreachable.err().contains("cannot open `jdbc:postgresql://127.0.0.1:1/none`"), unreachable.err());
  }

  @Test
  void simulate_candidateReadsAMaskedHeader_isIndeterminateNeverGuessed() throws Exception {
    Path dir = candidate("by-key", PRODUCTION.replace("    - {name: writes,",
        "    - {name: no-key, effect: deny, scopes: [\"*\"], when: \"'x-api-key' in request.headers && request.headers['x-api-key'] == 'k-123'\"}\n"
            + "    - {name: writes,"));

    CaracalProcess.Result r = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "json", "--phase", "request");

    assertEquals(0, r.exit(), r::toString);
    JsonNode report = JSON.readTree(r.out());
    assertEquals(1, report.at("/summary/indeterminate").asInt(), r.out());
    assertEquals(headerRead, report.at("/changes/0/request_id").asText());
    assertEquals("indeterminate", report.at("/changes/0/to").asText());
    assertEquals("request.headers.x-api-key", report.at("/changes/0/masked/0").asText());
    assertEquals(3, report.at("/summary/total").asInt(), "only the Gateway's decisions: " + r.out());
    assertEquals(2, report.at("/summary/unchanged").asInt(), r.out());
  }

  @Test
  void simulate_failOnChange_exitsFourAndJunitParses() throws Exception {
    Path dir = candidate("no-writes-ci", PRODUCTION.replace("    - {name: writes, effect: allow, scopes: [\"notes:write\"]}\n", ""));

    CaracalProcess.Result r = caracal("policy", "simulate", dir.toString(), "--zone", "notes", "--format", "junit", "--fail-on-change");
    CaracalProcess.Result same = caracal("policy", "simulate", candidate("same", PRODUCTION).toString(), "--zone", "notes",
        "--fail-on-change");

    assertEquals(4, r.exit(), r::toString);
    Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
    assertEquals("2", junit.getDocumentElement().getAttribute("failures"));
    assertEquals(0, same.exit(), same::toString);
    assertTrue(same.out().contains("no recorded decision would change"), same::toString);
  }

  @Test
  void simulate_badInput_clearErrorsAndUsageExitCodes() throws Exception {
    CaracalProcess.Result noZone = caracal("policy", "simulate", work.resolve("resource.yaml").toString());
    CaracalProcess.Result badSince = caracal("policy", "simulate", candidate("x", PRODUCTION).toString(), "--zone", "notes",
        "--since", "yesterday");
    CaracalProcess.Result missing = caracal("policy", "simulate", candidate("y", PRODUCTION).toString(), "--zone", "notes",
        "--export", work.resolve("nope.ndjson").toString());

    assertEquals(2, noZone.exit(), noZone::toString);
    assertEquals(2, badSince.exit(), badSince::toString);
    assertTrue(badSince.err().contains("--since `yesterday`"), badSince::toString);
    assertEquals(2, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("does not exist"), missing::toString);
    CaracalProcess.assertNoStackTrace(badSince);
  }
}
