package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/**
 * Approvals end to end with the built jar as real processes (`caracal serve` on embedded H2, the
 * CLI, a loopback upstream): a held request, the same id for the identical request and for
 * concurrent ones, the agent's own view of its approval at the Gateway, approval by the CLI, the
 * identical request through once, then held again, a changed body held, a denial, an expiry, a
 * pending approval that survives a restart, the ledger's approval events and `caracal explain`.
 */
class ApprovalsIT {
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: payouts}
      spec:
        resources: ["resource://payouts"]
        rules:
          - {name: pay, effect: allow, scopes: ["payouts:write"]}
          - name: large-payouts
            effect: require_approval
            scopes: ["payouts:write"]
            when: "request.path == '/payouts'"
            approval: {ttl: 10m, reuse: once}
          - name: quick-payouts
            effect: require_approval
            scopes: ["payouts:write"]
            when: "request.path == '/quick'"
            approval: {ttl: 2s}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [payouts]}
      """;

  @TempDir static Path dir;
  static Path home;
  static HttpServer upstream;
  static final List<String> forwarded = new CopyOnWriteArrayList<>();
  static HttpClient http = HttpClient.newHttpClient();
  static ServeProcess server;
  static int stsPort;
  static int gatewayPort;
  static String token;
  static JsonNode app;
  static String zoneId;

  @BeforeAll
  static void start() throws Exception {
    home = dir.resolve("home");
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      forwarded.add(exchange.getRequestURI().getPath() + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] out = "paid".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    // fixed ports, so that a restart keeps the STS's URL and the tokens' issuer
    try (ServerSocket a = new ServerSocket(0, 0, InetAddress.getLoopbackAddress());
        ServerSocket b = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      stsPort = a.getLocalPort();
      gatewayPort = b.getLocalPort();
    }
    server = ServeProcess.startOn(home, dir, stsPort, gatewayPort);
    zoneId = server.admin("POST", "/admin/v1/zones", Map.of("name", "prod"), 201).get("id").asText();
    app = server.admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "payer"), 201);
    server.admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://payouts", "scopes", List.of("payouts:write"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()), 200);
    server.admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "payouts.yaml", "content", POLICY))),
        200);
    server.admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"), 200);
    String basic = ServeProcess.basic(app);
    JsonNode session = server.session(basic, Map.of());
    HttpResponse<String> exchange = server.token(basic, session.get("session_token").asText(), "resource://payouts", "payouts:write");
    assertEquals(200, exchange.statusCode(), exchange.body());
    token = ServeProcess.JSON.readTree(exchange.body()).get("access_token").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    upstream.stop(0);
  }

  private static HttpResponse<String> pay(String path, String body) throws Exception {
    return http.send(payment(path, body), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest payment(String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path)).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", "resource://payouts").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The agent's own view: `GET /.caracal/approvals/{id}` with its token. */
  private static String state(String approvalId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/.caracal/approvals/"
        + approvalId)).header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return ServeProcess.JSON.readTree(r.body()).path("state").asText();
  }

  private static JsonNode held(HttpResponse<String> r, String reason) throws IOException {
    assertEquals(403, r.statusCode(), r.body());
    JsonNode body = ServeProcess.JSON.readTree(r.body());
    assertEquals(reason, body.path("reason").asText(), r.body());
    assertTrue(body.path("approval_id").asText().startsWith("apr_"), r.body());
    return body;
  }

  private static String approvalId(HttpResponse<String> r) throws IOException {
    return held(r, "approval_required").path("approval_id").asText();
  }

  private static Result cli(String... args) throws Exception {
    Result r = CaracalProcess.runAt(home, dir, args);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  @Test
  void heldApprovedUsedDeniedExpiredAndRestarted_theLedgerAndExplainTellIt() throws Exception {
    String payout = "{\"amount\":25000}";
    HttpResponse<String> first = pay("/payouts", payout);
    String a = approvalId(first);
    assertEquals("5", first.headers().firstValue("retry-after").orElse(""));
    assertEquals(a, approvalId(pay("/payouts", payout)), "the identical request shares the pending approval");

    List<CompletableFuture<HttpResponse<String>>> together = IntStream.range(0, 4)
        .mapToObj(i -> http.sendAsync(payment("/payouts", "{\"amount\":30000}"), HttpResponse.BodyHandlers.ofString())).toList();
    Set<String> shared = together.stream().map(f -> {
      try {
        return approvalId(f.join());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).collect(Collectors.toSet());
    assertEquals(1, shared.size(), "concurrent identical requests share one approval: " + shared);
    String b = shared.iterator().next();
    assertNotEquals(a, b);
    assertEquals("pending", state(a));
    assertEquals(List.of(), forwarded, "nothing reached the upstream while held");

    cli("approvals", "approve", a, "--comment", "quarterly bonus");
    assertEquals("approved", state(a));
    HttpResponse<String> through = pay("/payouts", payout);
    assertEquals(200, through.statusCode(), through.body());
    assertEquals(List.of("/payouts " + payout), forwarded, "the identical request reached the upstream, once");
    String usedBy = through.headers().firstValue("x-caracal-request-id").orElseThrow();
    assertEquals("used", state(a));
    String again = approvalId(pay("/payouts", payout));
    assertNotEquals(a, again, "a `once` approval is used up: the repeated request is held again");
    String changed = approvalId(pay("/payouts", "{\"amount\":25001}"));
    assertNotEquals(a, changed);
    assertNotEquals(again, changed, "a changed body needs an approval of its own");

    cli("approvals", "deny", b, "--comment", "too much");
    JsonNode denied = held(pay("/payouts", "{\"amount\":30000}"), "approval_denied");
    assertEquals(b, denied.path("approval_id").asText());
    assertEquals("denied", state(b));

    String quick = approvalId(pay("/quick", "{}"));
    cli("approvals", "approve", quick);
    Thread.sleep(2_500); // the rule's ttl is 2s
    assertEquals("expired", state(quick));
    assertNotEquals(quick, approvalId(pay("/quick", "{}")), "an expired approval is replaced by a new one");

    server.close();
    server = ServeProcess.startOn(home, dir, stsPort, gatewayPort);
    http = HttpClient.newHttpClient(); // no connection of the old process's
    assertEquals(again, approvalId(pay("/payouts", payout)), "the pending approval survived the restart");
    assertEquals("pending", state(again));
    cli("approvals", "approve", again);
    assertEquals(200, pay("/payouts", payout).statusCode(), "approved after the restart, the identical request goes through");
    assertEquals(2, forwarded.size());

    Result events = cli("audit", "list", "--zone", "prod", "--type",
        "approval.requested,approval.approved,approval.denied,approval.used,approval.expired", "--limit", "200", "--json");
    for (String type : List.of("approval.requested", "approval.approved", "approval.denied", "approval.used", "approval.expired")) {
      assertTrue(events.out().contains(type), type + " missing:\n" + events.out());
    }
    assertTrue(events.out().contains(usedBy), "approval.used names the request that used it:\n" + events.out());
    assertTrue(events.out().contains("quarterly bonus"), "the approver's comment is in the ledger:\n" + events.out());

    Result explain = cli("explain", usedBy);
    assertTrue(explain.out().contains("satisfied by approval " + a), explain.out());
    assertTrue(explain.out().contains("large-payouts"), explain.out());
    assertTrue(explain.out().contains("allowed_by_approval"), explain.out());

    agentUnderCaracalRun_waitsForApproval_andTheTerminalIsToldHowToApprove();
  }

  /**
   * `caracal run -- python3 agent` (the Python SDK, `wait_for_approval`): the held request's
   * approve command on stderr, the CLI approves it, the agent's identical request goes through.
   */
  private static void agentUnderCaracalRun_waitsForApproval_andTheTerminalIsToldHowToApprove() throws Exception {
    Path profile = Files.writeString(dir.resolve("caracal.toml"), "sts_url = \"http://127.0.0.1:" + stsPort + "\"\n"
        + "gateway_url = \"http://127.0.0.1:" + gatewayPort + "\"\nzone_id = \"" + zoneId + "\"\n"
        + "application_id = \"" + app.get("id").asText() + "\"\napp_client_secret = \"" + app.get("client_secret").asText() + "\"\n"
        + "[[credentials]]\nresource = \"resource://payouts\"\nscopes = [\"payouts:write\"]\n");
    String agent = String.join("\n",
        "from caracalai import Caracal",
        "caracal = Caracal()",
        "with caracal.spawn():",
        "    request = caracal.gateway_request('resource://payouts', '/payouts')",
        "    with caracal.transport(wait_for_approval=45) as client:",
        "        response = client.post(request.url, headers=request.headers, json={'amount': 77})",
        "print('agent got', response.status_code)");
    List<String> command = new ArrayList<>(CaracalProcess.cliCommand());
    command.addAll(List.of("run", "--", "python3", "-c", agent));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().put("CARACAL_CONFIG", profile.toString());
    pb.environment().put("PYTHONPATH", CaracalProcess.root().resolve("sdk/python").toString());
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    pb.environment().put("PYTHONIOENCODING", "utf-8");
    pb.environment().remove("CARACAL_RUN");
    Process run = pb.start();
    try (BufferedReader err = new BufferedReader(new InputStreamReader(run.getErrorStream(),
        StandardCharsets.UTF_8))) {
      StringBuilder before = new StringBuilder();
      String line;
      while ((line = err.readLine()) != null && !line.contains("request held for approval")) {
        before.append(line).append('\n');
      }
      assertTrue(line != null && line.matches("caracal: request held for approval (apr_\\w+) — approve with: "
          + "caracal approvals approve \\1"), "stderr of `caracal run`: " + before + line);
      String id = line.substring(line.lastIndexOf(' ') + 1);
      cli("approvals", "approve", id);
      assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the agent did not finish");
      String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, run.exitValue(), out + err.lines().collect(Collectors.joining("\n")));
      assertEquals("agent got 200\n", out);
      String last = forwarded.get(forwarded.size() - 1);
      assertTrue(last.startsWith("/payouts {") && last.contains("77"), "the identical request reached the upstream: " + forwarded);
    } finally {
      run.destroyForcibly();
    }
  }
}
