package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/**
 * `caracal explain`, `trace` and `audit` as a user runs them: a real `caracal serve` on a temporary
 * `CARACAL_HOME`, set up through the admin HTTP API, one allowed and one denied token request,
 * then the commands in their own processes against that server.
 */
final class ExplainTraceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api", "resource://down-api"]
        rules:
          - name: agents-read
            effect: allow
            scopes: ["billing:read"]
          - name: no-refunds
            effect: deny
            scopes: ["billing:refund"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing]}
      """;

  @TempDir
  static Path home;
  @TempDir
  static Path work;

  static ServeProcess server;
  static String baseUrl;
  static String adminToken;
  static String allowedRequest;
  static String deniedRequest;
  static String basicAuth;
  static String rootSession;
  static String childSession;

  @BeforeAll
  static void startServerAndMakeRequests() throws Exception {
    server = ServeProcess.start(home, work);
    baseUrl = server.baseUrl;
    adminToken = server.adminToken;

    admin("POST", "/admin/v1/zones", Map.of("name", "prod"), 201);
    JsonNode app = admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "invoice-agent"), 201);
    admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://billing-api",
        "scopes", List.of("billing:read", "billing:refund"), "upstream", "http://127.0.0.1:9"), 200);
    admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://down-api",
        "scopes", List.of("billing:read"), "upstream", "http://127.0.0.1:9"), 200);
    admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "billing.yaml", "content", POLICY))), 200);
    admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"), 200);

    String basic = ServeProcess.basic(app);
    basicAuth = basic;
    JsonNode root = server.session(basic, Map.of());
    rootSession = root.get("session_id").asText();
    JsonNode child = server.session(basic, Map.of("parent_session_token", root.get("session_token").asText(),
        "scopes", List.of("billing:read", "billing:refund")));
    childSession = child.get("session_id").asText();
    String subject = child.get("session_token").asText();
    HttpResponse<String> allowed = server.token(basic, subject, "resource://billing-api", "billing:read");
    assertEquals(200, allowed.statusCode(), allowed.body());
    allowedRequest = allowed.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    HttpResponse<String> denied = server.token(basic, subject, "resource://billing-api", "billing:refund");
    assertEquals(403, denied.statusCode(), denied.body());
    deniedRequest = JSON.readTree(denied.body()).get("request_id").asText();
    assertEquals(deniedRequest, denied.headers().firstValue("X-Caracal-Request-Id").orElseThrow());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void explain_deniedRequest_namesThePolicyLayerAndTheDenyRule() throws Exception {
    Result r = caracal("explain", deniedRequest);

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("request:     " + deniedRequest), r::toString);
    assertTrue(r.out().contains("(invoice-agent)"), r::toString);
    assertTrue(r.out().contains("session:     " + childSession + " (depth 1, root " + rootSession + ")"), r::toString);
    assertTrue(r.out().matches("(?s).*delegation:\\s+" + rootSession + " \\(app_\\w+\\) -> " + childSession
        + " \\(app_\\w+\\), depth 1\n.*"), r::toString);
    assertTrue(r.out().contains("resource://billing-api"), r::toString);
    assertTrue(r.out().matches("(?s).*rules:\\s+deny billing v1 rule no-refunds \\(scope billing:refund\\).*"), r::toString);
    assertTrue(r.out().matches("(?s).*policy set:\\s+production v1 \\(sha256 [0-9a-f]{64}\\).*"), r::toString);
    assertTrue(r.out().matches("(?s).*decision:\\s+deny\n.*"), r::toString);
    assertTrue(r.out().contains("denied_by_rule: a deny rule that applies to a requested scope holds"), r::toString);
    assertTrue(r.out().matches("(?s).*\nfix:\\s+policy: rule `no-refunds` of policy `billing` v1 denies `billing:refund`.*"), r::toString);
    assertEquals("", r.err());
  }

  @Test
  void explain_allowedRequest_hasNothingToFix() throws Exception {
    Result r = caracal("explain", allowedRequest);

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().matches("(?s).*granted:\\s+billing:read\n.*"), r::toString);
    assertTrue(r.out().matches("(?s).*\nfix:\\s+nothing: the request was allowed\n"), r::toString);
  }

  @Test
  void explainJson_deniedRequest_printsTheEventsAndTheLayer() throws Exception {
    Result r = caracal("explain", deniedRequest, "--json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode json = JSON.readTree(r.out());
    assertEquals("policy", json.at("/fix/layer").asText());
    assertEquals("denied_by_rule", json.at("/reasons/0/code").asText());
    assertEquals("authorization", json.at("/events/0/type").asText());
    assertEquals("no-refunds", json.at("/events/0/explanation/decision/rules/0/rule").asText());
  }

  @Test
  void explain_unknownRequestId_exitsOneWithAMessage() throws Exception {
    Result r = caracal("explain", "req_unknown");

    assertEquals(1, r.exit(), r::toString);
    assertEquals("", r.out());
    assertTrue(r.err().startsWith("caracal: no ledger event has request id `req_unknown`"), r::toString);
    assertNoStackTrace(r);
  }

  @Test
  void trace_requestId_printsTheTimelineOfItsTrace() throws Exception {
    Result r = caracal("trace", deniedRequest);

    assertEquals(0, r.exit(), r::toString);
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).startsWith("trace "), r::toString);
    assertTrue(lines.get(1).startsWith("TIME"), r::toString);
    assertTrue(r.out().contains("session.opened"), "the session's events join the trace:\n" + r);
    String denied = lines.stream().skip(2).filter(l -> l.contains(deniedRequest)).findFirst().orElseThrow();
    assertTrue(denied.matches(".*authorization\\s+deny\\s+app_\\S+\\s+resource://billing-api\\s+" + deniedRequest
        + "\\s+scopes billing:refund: denied_by_rule"), denied);
  }

  @Test
  void explain_gatewayCallToADeadUpstream_namesTheUpstreamLayer() throws Exception {
    String gateway = JSON.readTree(Files.readString(home.resolve("server.json"))).path("gateway_url").asText("");
    Assumptions.assumeFalse(gateway.isEmpty(), "this server runs no gateway");
    String form = "grant_type=client_credentials&resource=" + URLEncoder.encode("resource://down-api", StandardCharsets.UTF_8)
        + "&scope=billing%3Aread";
    HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/oauth2/token"))
        .header("Authorization", basicAuth).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, token.statusCode(), token.body());
    HttpResponse<String> call = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/ping"))
        .header("Authorization", "Bearer " + JSON.readTree(token.body()).get("access_token").asText())
        .header("X-Caracal-Resource", "resource://down-api").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(502, call.statusCode(), call.body());
    String requestId = call.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    awaitEvent(requestId, "gateway.result"); // written after the response, asynchronously

    Result r = caracal("explain", requestId);

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().matches("(?s).*\ngateway:\\s+allow GET /ping\n.*"), r::toString);
    assertTrue(r.out().matches("(?s).*\nupstream:\\s+gateway 502, .*upstream_unreachable.*"), r::toString);
    assertTrue(r.out().matches("(?s).*\ntoken:\\s+issued by request req_\\w+ .*"), r::toString);
    assertTrue(r.out().matches("(?s).*\nfix:\\s+upstream: the upstream of `resource://down-api` failed.*"), r::toString);

    Result trace = caracal("trace", requestId);
    assertEquals(0, trace.exit(), trace::toString);
    assertTrue(trace.out().matches("(?s).*authorization .*gateway\\.decision .*gateway\\.result .*"), trace::toString);
  }

  @Test
  void auditList_denyFilter_listsOnlyTheDeniedRequest() throws Exception {
    Result r = caracal("audit", "list", "--decision", "deny", "--zone", "prod", "--since", "1h", "--json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode events = JSON.readTree(r.out());
    assertEquals(1, events.size(), r::toString);
    assertEquals(deniedRequest, events.get(0).get("request_id").asText());
  }

  @Test
  void auditVerify_intactLedger_exitsZero() throws Exception {
    Result r = caracal("audit", "verify");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().startsWith("ok: "), r::toString);
  }

  @Test
  void auditExport_thenOfflineVerify_isIntactAndAnEditIsFound() throws Exception {
    Path export = work.resolve("ledger.ndjson");
    Result exported = caracal("audit", "export", "--out", export.toString());
    assertEquals(0, exported.exit(), exported::toString);
    Path key = home.resolve("keys").resolve("ledger-signing.pub.pem");

    Result ok = caracal("audit", "verify", "--export", export.toString(), "--public-key", key.toString());
    assertEquals(0, ok.exit(), ok::toString);

    Path edited = work.resolve("edited.ndjson");
    Files.writeString(edited, Files.readString(export).replace("billing:refund", "billing:read"));
    Result broken = caracal("audit", "verify", "--export", edited.toString(), "--public-key", key.toString());
    assertEquals(1, broken.exit(), broken::toString);
    assertTrue(broken.out().contains("first broken record: content_changed chain "), broken::toString);
  }

  private static Result caracal(String... args) throws IOException, InterruptedException {
    List<String> command = CaracalProcess.cliCommand();
    command.addAll(List.of(args));
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("caracal " + String.join(" ", args) + " did not finish in 60s");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static JsonNode admin(String method, String path, Object body, int expected) throws Exception {
    return server.admin(method, path, body, expected);
  }

  private static void awaitEvent(String requestId, String type) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/admin/v1/ledger/requests/" + requestId))
          .header("Authorization", "Bearer " + adminToken).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200 && r.body().contains("\"type\":\"" + type + "\"")) {
        return;
      }
      Thread.sleep(200);
    }
    fail("no `" + type + "` event for " + requestId);
  }
}
