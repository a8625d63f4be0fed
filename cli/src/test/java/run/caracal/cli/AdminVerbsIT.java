package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;
import run.caracal.cli.admin.McpTestServer;

/**
 * The admin verbs (`zone`, `app`, `resource`, `policy push|activate|history`, `session`) against
 * one real `caracal serve` process, each run as a separate CLI process as a user runs it. Every
 * test works in a zone of its own, so the tests share the server and nothing else.
 */
final class AdminVerbsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final long HANG_GUARD_SECONDS = 60;

  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: docs-access}
      spec:
        resources: ["resource://docs"]
        rules:
          - name: readers
            effect: allow
            scopes: [docs:read]
            when: "'reader' in principal.labels"
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: main}
      spec: {policies: [docs-access]}
      """;

  /** Payouts above 1000 wait for an approver of the `finance` group. */
  private static final String APPROVAL_POLICY = """
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
            when: "request.query.amount != '' && int(request.query.amount) > 1000"
            approval: {approvers: [finance]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: payouts}
      spec: {policies: [payouts]}
      """;

  /** One CEL error: the unknown field `nmae` on line 10, column 23. */
  private static final String BROKEN = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: broken}
      spec:
        resources: ["resource://docs"]
        rules:
          - name: typo
            effect: allow
            scopes: [docs:read]
            when: principal.nmae == 'b'
      """;

  @TempDir
  static Path temp;

  private static Path home;
  private static Path work;
  private static Process server;
  private static String stsUrl;

  @BeforeAll
  static void startServer() throws Exception {
    home = Files.createDirectories(temp.resolve("home"));
    work = Files.createDirectories(temp.resolve("work"));
    Path log = temp.resolve("server.log");
    ProcessBuilder builder = new ProcessBuilder(java(), "-jar", CaracalProcess.jar().toString(),
        "serve", "--sts-port", "0", "--gateway-port", "0")
        .directory(work.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("CARACAL_HOME", home.toString());
    server = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        fail("caracal serve exited with " + server.exitValue() + ":\n" + Files.readString(log));
      }
      Path state = home.resolve("server.json");
      if (Files.exists(state)) {
        try {
          String url = JSON.readTree(Files.readString(state)).path("sts_url").asText();
          if (!url.isEmpty() && get(url + "/.well-known/jwks.json").statusCode() == 200) {
            stsUrl = url;
            return;
          }
        } catch (IOException e) {
          // written but not yet complete, or not yet listening
        }
      }
      Thread.sleep(200);
    }
    fail("caracal serve did not come up in 120s:\n" + Files.readString(log));
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    if (server != null) {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  // zones

  @Test
  void zoneCreate_twice_secondConflictsWithExitOne() throws Exception {
    Result first = ok("zone", "create", "twice");
    assertTrue(first.out().contains("name:") && first.out().contains("twice"), first::toString);

    Result second = caracal("zone", "create", "twice");

    assertEquals(1, second.exit(), second::toString);
    assertEquals("", second.out());
    assertEquals("caracal: zone `twice` already exists\n", second.err());
    assertNoStackTrace(second);
  }

  @Test
  void zoneListAndGet_json_parseAndShowTheZone() throws Exception {
    String id = json(ok("zone", "create", "listed", "--json")).path("id").asText();
    assertTrue(id.startsWith("zone_"), id);

    JsonNode zones = json(ok("zone", "list", "--json"));
    JsonNode zone = json(ok("zone", "get", "listed", "--format", "json"));
    Result text = ok("zone", "list");

    assertTrue(zones.isArray());
    assertTrue(names(zones, "name").contains("listed"), zones::toString);
    assertEquals(id, zone.path("id").asText());
    assertTrue(zone.has("active_policy_set") && zone.get("active_policy_set").isNull(), zone::toString);
    assertTrue(text.out().startsWith("NAME"), text::toString);
    assertTrue(text.out().lines().anyMatch(l -> l.startsWith("listed ") && l.contains(id)), text::toString);
  }

  @Test
  void zoneDelete_emptyZone_goneWithItsSigningKeys() throws Exception {
    String id = json(ok("zone", "create", "short-lived", "--json")).path("id").asText();
    assertTrue(kids().stream().anyMatch(k -> k.startsWith(id)), "a new zone publishes its keys");

    Result deleted = ok("zone", "delete", "short-lived");
    Result get = caracal("zone", "get", "short-lived");

    assertEquals("deleted zone `short-lived`\n", deleted.out());
    assertEquals(1, get.exit(), get::toString);
    assertEquals("caracal: zone `short-lived` not found\n", get.err());
    List<String> kids = kids();
    assertTrue(kids.stream().noneMatch(k -> k.startsWith(id)), () -> "keys of the deleted zone still published: " + kids);
  }

  @Test
  void zoneDelete_zoneWithAnApp_refusedWithExitOne() throws Exception {
    ok("zone", "create", "occupied");
    ok("app", "create", "tenant", "--zone", "occupied", "--secret-file", "tenant.secret");

    Result r = caracal("zone", "delete", "occupied");

    assertEquals(1, r.exit(), r::toString);
    assertEquals("caracal: zone `occupied` still has apps or resources; delete them first\n", r.err());
    ok("zone", "get", "occupied");
  }

  @Test
  void unknownZone_anyVerb_exitsOneWithAClearMessage() throws Exception {
    for (String[] args : List.of(
        new String[] {"app", "list", "--zone", "nowhere"},
        new String[] {"resource", "create", "--zone", "nowhere", "--id", "resource://x", "--scopes", "x:read"},
        new String[] {"session", "list", "--zone", "nowhere", "--json"},
        new String[] {"policy", "history", "--zone", "nowhere"})) {
      Result r = caracal(args);

      assertEquals(1, r.exit(), r::toString);
      assertEquals("", r.out(), r::toString);
      assertEquals("caracal: zone `nowhere` not found\n", r.err(), r::toString);
      assertNoStackTrace(r);
    }
  }

  @Test
  void missingRequiredOption_exitsTwo() throws Exception {
    Result noZone = caracal("app", "create", "bot");
    Result noScopes = caracal("resource", "create", "--zone", "z", "--id", "resource://x");

    assertEquals(2, noZone.exit(), noZone::toString);
    assertTrue(noZone.err().contains("--zone"), noZone::toString);
    assertEquals(2, noScopes.exit(), noScopes::toString);
    assertTrue(noScopes.err().contains("--scopes"), noScopes::toString);
  }

  // apps

  @Test
  void appCreate_secretFile_writesAnOwnerOnlyFileThatAuthenticates() throws Exception {
    ok("zone", "create", "apps-a");

    Result created = ok("app", "create", "bot", "--zone", "apps-a", "--label", "reader", "--attribute", "team=ops",
        "--secret-file", "bot.secret");

    Path file = work.resolve("bot.secret");
    String secret = Files.readString(file);
    assertTrue(secret.startsWith("cs_") && secret.length() >= 43, secret);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertFalse(created.out().contains(secret) || created.err().contains(secret), "secret printed:\n" + created);
    assertTrue(created.out().contains("reader") && created.out().contains("team=ops"), created::toString);
    String appId = json(ok("app", "list", "--zone", "apps-a", "--json")).get(0).path("id").asText();
    assertEquals(201, openSession(appId, secret).statusCode());
  }

  @Test
  void appCreate_existingSecretFile_refusedBeforeAnythingIsCreated() throws Exception {
    ok("zone", "create", "apps-b");
    Files.writeString(work.resolve("taken.secret"), "keep me");

    Result r = caracal("app", "create", "bot", "--zone", "apps-b", "--secret-file", "taken.secret");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("`taken.secret` already exists") && r.err().contains("--force"), r::toString);
    assertEquals("keep me", Files.readString(work.resolve("taken.secret")));
    assertEquals(0, json(ok("app", "list", "--zone", "apps-b", "--json")).size());
  }

  @Test
  void appCreate_json_printsTheSecretOnceWithTheApp() throws Exception {
    ok("zone", "create", "apps-c");

    JsonNode app = json(ok("app", "create", "printed", "--zone", "apps-c", "--json"));
    JsonNode again = json(ok("app", "get", app.path("id").asText(), "--json"));

    assertTrue(app.path("client_secret").asText().startsWith("cs_"), app::toString);
    assertEquals(201, openSession(app.path("id").asText(), app.path("client_secret").asText()).statusCode());
    assertFalse(again.has("client_secret"), again::toString);
    assertEquals("printed", again.path("name").asText());
  }

  @Test
  void appRotateSecret_forcedSecretFile_replacesTheFileAndTheOldSecretStops() throws Exception {
    ok("zone", "create", "apps-d");
    ok("app", "create", "rotor", "--zone", "apps-d", "--secret-file", "rotor.secret");
    String appId = json(ok("app", "list", "--zone", "apps-d", "--json")).get(0).path("id").asText();
    String old = Files.readString(work.resolve("rotor.secret"));

    Result refused = caracal("app", "rotate-secret", appId, "--secret-file", "rotor.secret");
    Result rotated = ok("app", "rotate-secret", appId, "--grace-seconds", "0", "--secret-file", "rotor.secret", "--force", "--json");

    assertEquals(2, refused.exit(), refused::toString);
    String fresh = Files.readString(work.resolve("rotor.secret"));
    assertNotEquals(old, fresh);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("rotor.secret"))));
    JsonNode out = json(rotated);
    assertFalse(out.has("client_secret"), out::toString);
    assertEquals(0, out.path("previous_secret_valid_seconds").asInt());
    assertEquals(201, openSession(appId, fresh).statusCode());
    assertEquals(401, openSession(appId, old).statusCode());
  }

  @Test
  void appDisableEnableDelete_changeWhetherTheAppAuthenticates() throws Exception {
    ok("zone", "create", "apps-e");
    JsonNode app = json(ok("app", "create", "toggled", "--zone", "apps-e", "--json"));
    String id = app.path("id").asText();
    String secret = app.path("client_secret").asText();

    assertFalse(json(ok("app", "disable", id, "--json")).path("enabled").asBoolean());
    assertEquals(401, openSession(id, secret).statusCode());
    assertTrue(ok("app", "enable", id).out().lines().anyMatch(l -> l.matches("enabled:\\s+true")));
    assertEquals(201, openSession(id, secret).statusCode());

    ok("app", "create", "unused", "--zone", "apps-e", "--secret-file", "unused.secret");
    String unused = idOf(json(ok("app", "list", "--zone", "apps-e", "--json")), "unused");
    assertEquals("deleted app `" + unused + "`\n", ok("app", "delete", unused).out());
    Result gone = caracal("app", "get", unused);
    assertEquals(1, gone.exit(), gone::toString);
    assertEquals("caracal: app `" + unused + "` not found\n", gone.err());
  }

  // resources

  @Test
  void resource_createUpdateGetListDelete_followsTheLifecycle() throws Exception {
    ok("zone", "create", "res");
    Files.writeString(work.resolve("upstream.token"), "s3cr3t-upstream\n");

    Result created = ok("resource", "create", "--zone", "res", "--id", "resource://docs", "--scopes", "docs:read,docs:write",
        "--upstream", "http://127.0.0.1:9/docs", "--label", "internal", "--attribute", "owner=team-a",
        "--operation", "GET /docs/* docs:read", "--operation", "put /docs/* docs:write", "--credential-file", "upstream.token");
    Result duplicate = caracal("resource", "create", "--zone", "res", "--id", "resource://docs", "--scopes", "docs:read");
    Result missing = caracal("resource", "update", "--zone", "res", "--id", "resource://nothing", "--scopes", "x:read");
    Result updated = ok("resource", "update", "--zone", "res", "--id", "resource://docs", "--scopes", "docs:read,docs:admin");
    JsonNode got = json(ok("resource", "get", "--zone", "res", "resource://docs", "--json"));
    JsonNode list = json(ok("resource", "list", "--zone", "res", "--json"));
    Result listText = ok("resource", "list", "--zone", "res");

    assertTrue(created.out().contains("GET /docs/* docs:read") && created.out().contains("PUT /docs/* docs:write"), created::toString);
    assertFalse(created.out().contains("s3cr3t"), created::toString);
    assertEquals(1, duplicate.exit(), duplicate::toString);
    assertTrue(duplicate.err().startsWith("caracal: resource `resource://docs` already exists in zone `res`"), duplicate::toString);
    assertEquals(1, missing.exit(), missing::toString);
    assertTrue(missing.err().startsWith("caracal: resource `resource://nothing` not found in zone `res`"), missing::toString);
    assertTrue(updated.err().startsWith("note: cleared upstream, labels, attributes, operations"), updated::toString);
    assertEquals(List.of("docs:read", "docs:admin"), texts(got.path("scopes")));
    assertEquals("set", got.path("upstream_credential").asText(), "update keeps the stored credential");
    assertEquals(0, got.path("operations").size(), "update replaces the whole definition");
    assertEquals(List.of("resource://docs"), names(list, "id"));
    assertTrue(listText.out().lines().anyMatch(l -> l.startsWith("resource://docs") && l.contains("docs:read, docs:admin")), listText::toString);

    assertEquals("deleted resource `resource://docs` from zone `res`\n", ok("resource", "delete", "--zone", "res", "resource://docs").out());
    Result gone = caracal("resource", "get", "--zone", "res", "resource://docs");
    assertEquals(1, gone.exit(), gone::toString);
    assertEquals("caracal: resource `resource://docs` in zone `res` not found\n", gone.err());
  }

  @Test
  void resourceImportToolsAndSetup_mcpServer_storeSchemasOfDeclaredToolsAndDeclareTheResource() throws Exception {
    Map<String, String> listed = new LinkedHashMap<>();
    listed.put("read_file", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}");
    listed.put("write_file", "{\"type\":\"object\",\"properties\":{\"path\":{},\"content\":{}}}");
    listed.put("delete_file", "{\"type\":\"object\",\"properties\":{\"path\":{}}}");
    try (McpTestServer mcp = new McpTestServer(listed, true)) {
      ok("zone", "create", "mcp");
      ok("resource", "create", "--zone", "mcp", "--id", "resource://files", "--scopes", "files:read,files:write",
          "--upstream", mcp.url(), "--protocol", "mcp", "--tool", "read_file=files:read", "--tool", "write_*=files:write",
          "--mask-argument", "content");
      ok("resource", "create", "--zone", "mcp", "--id", "resource://plain", "--scopes", "x:read", "--upstream", mcp.url());

      JsonNode imported = json(ok("resource", "import-tools", "resource://files", "--zone", "mcp", "--header", "Authorization: Bearer up",
          "--json"));
      Result declared = ok("resource", "import-tools", "resource://files", "--zone", "mcp", "--declare", "files:write");
      Result plain = caracal("resource", "import-tools", "resource://plain", "--zone", "mcp");
      Result unknown = caracal("resource", "import-tools", "resource://none", "--zone", "mcp");
      JsonNode stored = json(ok("resource", "get", "--zone", "mcp", "resource://files", "--json"));
      JsonNode setup = json(ok("setup", "--zone", "mcp", "--app", "mcp-agent", "--resource-id", "resource://tools", "--scopes", "t:call",
          "--upstream", mcp.url(), "--protocol", "mcp", "--tool", "run_*=t:call", "--profile", "mcp.toml", "--yes", "--json"));
      JsonNode tools = json(ok("resource", "get", "--zone", "mcp", "resource://tools", "--json"));

      assertEquals(3, imported.path("listed").asInt(), imported::toString);
      assertEquals("schema imported", imported.path("tools").get(0).path("status").asText(), imported::toString);
      assertEquals(List.of("write_file"), texts(imported.path("tools").get(1).path("covers")), imported::toString);
      assertEquals(List.of("delete_file"), texts(imported.path("undeclared")), imported::toString);
      assertTrue(mcp.seen.get(0).endsWith("auth=Bearer up"), mcp.seen::toString);
      assertTrue(declared.out().lines().anyMatch(l -> l.startsWith("delete_file:") && l.contains("declared with scope files:write")),
          declared::toString);
      assertEquals(List.of("read_file", "write_*", "delete_file"), names(stored.path("tools"), "name"));
      assertEquals("path", stored.path("tools").get(0).path("input_schema").path("required").get(0).asText(), stored::toString);
      assertTrue(stored.path("tools").get(1).path("input_schema").isMissingNode(), "a glob gets no schema");
      assertEquals(List.of("content"), texts(stored.path("mask_arguments")), "the rest of the resource is kept");
      assertEquals(mcp.url(), stored.path("upstream").asText());
      assertEquals(1, plain.exit(), plain::toString);
      assertTrue(plain.err().startsWith("caracal: resource `resource://plain` is not an MCP resource (protocol http)"), plain::toString);
      assertEquals(1, unknown.exit(), unknown::toString);
      assertTrue(unknown.err().startsWith("caracal: resource `resource://none` not found in zone `mcp`"), unknown::toString);
      assertNoStackTrace(plain);
      assertEquals(setup.path("gateway_url").asText() + "/mcp/tools", setup.path("mcp_url").asText(), setup::toString);
      assertEquals("mcp", tools.path("protocol").asText(), tools::toString);
      assertEquals("run_*", tools.path("tools").get(0).path("name").asText(), tools::toString);
    }
  }

  // policies

  @Test
  void policyPush_lintError_exitsOneWithFileLineColumnOnStderr() throws Exception {
    ok("zone", "create", "lint");
    write("lint/broken.yaml", BROKEN);

    Result r = caracal("policy", "push", "lint", "--zone", "lint");

    assertEquals(1, r.exit(), r::toString);
    assertEquals("", r.out());
    String file = Path.of("lint", "broken.yaml").toString();
    assertEquals(List.of(file + ":10:23: error cel_unknown_reference undefined field `nmae`",
        "caracal: push refused: 1 lint error(s); nothing was stored"), r.err().lines().toList());
    assertEquals(0, json(ok("policy", "history", "--zone", "lint", "--json")).path("policy_sets").size());
  }

  @Test
  void policyPushActivateHistory_goodPolicies_versionedActivatedAndRecorded() throws Exception {
    ok("zone", "create", "pol");
    ok("resource", "create", "--zone", "pol", "--id", "resource://docs", "--scopes", "docs:read");
    write("pol/docs.yaml", POLICY);
    write("pol/notes.txt", "not a policy");

    Result pushed = ok("policy", "push", "pol", "--zone", "pol");
    JsonNode again = json(ok("policy", "push", "pol/docs.yaml", "--zone", "pol", "--json"));
    Result activated = ok("policy", "activate", "main", "--zone", "pol");
    JsonNode shadow = json(ok("policy", "activate", "main", "--zone", "pol", "--version", "1", "--shadow", "--json"));
    Result cleared = ok("policy", "activate", "--zone", "pol", "--clear-shadow");
    Result unknownSet = caracal("policy", "activate", "nope", "--zone", "pol");
    JsonNode history = json(ok("policy", "history", "--zone", "pol", "--json"));
    Result historyText = ok("policy", "history", "--zone", "pol");
    JsonNode zone = json(ok("zone", "get", "pol", "--json"));

    assertTrue(pushed.out().lines().anyMatch(l -> l.matches("policy\\s+docs-access\\s+v1\\s+\\w{12}\\s+new version")), pushed::toString);
    assertTrue(pushed.out().lines().anyMatch(l -> l.matches("policy set\\s+main\\s+v1\\s+\\w{12}\\s+new version")), pushed::toString);
    assertFalse(again.path("policies").get(0).path("created").asBoolean(), again::toString);
    assertEquals(1, again.path("policy_sets").get(0).path("version").asInt());
    assertEquals("activated policy set `main` version 1 in zone `pol`\n", activated.out());
    assertTrue(shadow.path("shadow").asBoolean(), shadow::toString);
    assertEquals("cleared the shadow policy set of zone `pol`\n", cleared.out());
    assertEquals(1, unknownSet.exit(), unknownSet::toString);
    assertEquals("caracal: policy set `nope` not found\n", unknownSet.err());
    assertEquals(3, history.path("activations").size(), history::toString);
    assertEquals("main", history.path("activations").get(0).path("policy_set").asText());
    assertEquals(List.of("main"), names(history.path("policy_sets"), "name"));
    assertTrue(historyText.out().lines().anyMatch(l -> l.matches("\\*\\s+\\d+\\s+active\\s+main\\s+v1\\s.*")), historyText::toString);
    assertEquals("main", zone.path("active_policy_set").path("policy_set").asText());
    assertTrue(zone.path("shadow_policy_set").isNull(), zone::toString);
  }

  // sessions

  @Test
  void session_listGetTerminate_endsTheSession() throws Exception {
    ok("zone", "create", "ses");
    JsonNode app = json(ok("app", "create", "agent", "--zone", "ses", "--json"));
    HttpResponse<String> opened = openSession(app.path("id").asText(), app.path("client_secret").asText());
    assertEquals(201, opened.statusCode(), opened::body);
    String sessionId = JSON.readTree(opened.body()).path("session_id").asText();

    JsonNode live = json(ok("session", "list", "--zone", "ses", "--json"));
    JsonNode one = json(ok("session", "get", sessionId, "--json"));
    Result terminated = ok("session", "terminate", sessionId);
    JsonNode liveAfter = json(ok("session", "list", "--zone", "ses", "--json"));
    JsonNode all = json(ok("session", "list", "--zone", "ses", "--all", "--json"));
    Result unknown = caracal("session", "get", "ses_nothing");

    assertEquals(List.of(sessionId), names(live, "session_id"));
    assertEquals(app.path("id").asText(), one.path("application_id").asText());
    assertTrue(one.path("terminated_at").isNull(), one::toString);
    assertEquals("terminated 1 session(s):\n  " + sessionId + "\n", terminated.out());
    assertEquals(0, liveAfter.size(), liveAfter::toString);
    assertEquals(List.of(sessionId), names(all, "session_id"));
    assertFalse(all.get(0).path("terminated_at").isNull(), all::toString);
    assertEquals(1, unknown.exit(), unknown::toString);
    assertEquals("caracal: session `ses_nothing` not found\n", unknown.err());
  }

  // approvers

  @Test
  void approver_addApproveWithItsToken_appCredentialRefused_explainNamesTheApprover() throws Exception {
    ok("zone", "create", "apv");
    JsonNode app = json(ok("app", "create", "payer", "--zone", "apv", "--json"));
    ok("resource", "create", "--zone", "apv", "--id", "resource://payouts", "--scopes", "payouts:write", "--upstream",
        "http://127.0.0.1:9");
    write("apv/payouts.yaml", APPROVAL_POLICY);
    ok("policy", "push", "apv", "--zone", "apv");
    ok("policy", "activate", "payouts", "--zone", "apv");
    String appId = app.path("id").asText();
    String secret = app.path("client_secret").asText();
    HttpResponse<String> held = pay(accessToken(appId, secret), "5000");
    assertEquals(403, held.statusCode(), held::body);
    JsonNode refusal = JSON.readTree(held.body());
    String approvalId = refusal.path("approval_id").asText();

    Result added = ok("approver", "add", "alice", "--zone", "apv", "--group", "finance");
    String token = added.out().lines().filter(l -> l.startsWith("token:")).map(l -> l.substring(6).strip()).findFirst().orElse("");
    Result listed = ok("approver", "list", "--zone", "apv");
    JsonNode listedJson = json(ok("approver", "list", "--json"));
    JsonNode pendingForAlice = json(caracalWith(Map.of("CARACAL_APPROVER_TOKEN", token), "approvals", "list", "--state", "pending",
        "--json"));
    Result byApp = caracalWith(Map.of("CARACAL_APPROVER_TOKEN", secret), "approvals", "approve", approvalId);
    Result byUnknown = caracal("approvals", "approve", approvalId, "--approver-token", "apv_not-a-real-token");
    Result approved = ok("approvals", "approve", approvalId, "--approver-token", token, "--comment", "month end");
    Result explained = ok("explain", refusal.path("request_id").asText());

    assertTrue(token.matches("apv_[A-Za-z0-9_-]{43}"), added::toString);
    assertTrue(added.err().contains("not shown again"), added::toString);
    assertTrue(listed.out().lines().anyMatch(l -> l.startsWith("alice") && l.contains("finance")), listed::toString);
    assertFalse(listed.out().contains(token) || listedJson.toString().contains(token), "the token is shown once only");
    assertEquals(List.of(approvalId), names(pendingForAlice, "id"), "an approver's list without --zone is their zone's");
    assertEquals(1, byApp.exit(), byApp::toString);
    assertTrue(byApp.err().contains("(app_credential_cannot_approve)"), byApp::toString);
    assertEquals(1, byUnknown.exit(), byUnknown::toString);
    assertTrue(byUnknown.err().contains("(approver_token_invalid)"), byUnknown::toString);
    assertTrue(approved.out().lines().anyMatch(l -> l.matches("decided_by:\\s+approver:alice")), approved::toString);
    assertTrue(explained.out().contains(approvalId + " approved: approved by approver:alice at "), explained::toString);
    assertTrue(explained.out().contains("comment \"month end\""), explained::toString);

    ok("approver", "remove", "alice", "--zone", "apv");
    Result removed = caracal("approvals", "show", approvalId, "--approver-token", token);
    assertEquals(1, removed.exit(), removed::toString);
    assertTrue(removed.err().contains("(approver_token_invalid)"), removed::toString);
  }

  @Test
  void zoneUpdate_approvalWebhook_setShownAndCleared() throws Exception {
    ok("zone", "create", "hooked");

    JsonNode set = json(ok("zone", "update", "hooked", "--approval-webhook", "https://hooks.example.com/caracal", "--json"));
    Result bad = caracal("zone", "update", "hooked", "--approval-webhook", "not a url");
    JsonNode cleared = json(ok("zone", "update", "hooked", "--approval-webhook", "", "--json"));

    assertEquals("https://hooks.example.com/caracal", set.path("approval_webhook").asText(), set::toString);
    assertTrue(set.path("approval_webhook_secret").asText().startsWith("whsec_"), set::toString);
    JsonNode again = json(ok("zone", "update", "hooked", "--approval-webhook", "https://hooks.example.com/caracal", "--json"));
    assertEquals(set.path("approval_webhook_secret"), again.path("approval_webhook_secret"), "the same URL, the same secret");
    assertEquals(1, bad.exit(), bad::toString);
    assertTrue(bad.err().contains("must be an http or https URL"), bad::toString);
    assertTrue(cleared.path("approval_webhook").isNull(), cleared::toString);
  }

  private static String accessToken(String appId, String secret) throws IOException, InterruptedException {
    String basic = Base64.getEncoder().encodeToString((appId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create(stsUrl + "/oauth2/token"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&resource=resource%3A%2F%2Fpayouts&scope=payouts%3Awrite"))
        .build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r::body);
    return JSON.readTree(r.body()).path("access_token").asText();
  }

  private static HttpResponse<String> pay(String token, String amount) throws IOException, InterruptedException {
    String gateway = JSON.readTree(Files.readString(home.resolve("server.json"))).path("gateway_url").asText("");
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/payouts?amount=" + amount))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", "resource://payouts")
        .POST(HttpRequest.BodyPublishers.noBody())
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  // running things

  private static Result ok(String... args) throws Exception {
    Result r = caracal(args);
    assertEquals(0, r.exit(), () -> "caracal " + String.join(" ", args) + "\n" + r);
    return r;
  }

  /** Runs the CLI jar in {@code work} against the test server's home. */
  private static Result caracal(String... args) throws IOException, InterruptedException {
    return caracalWith(Map.of(), args);
  }

  /** As {@link #caracal}, with more environment variables. */
  private static Result caracalWith(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = CaracalProcess.cliCommand();
    command.addAll(List.of(args));
    Path out = Files.createTempFile(temp, "out", ".txt");
    Path err = Files.createTempFile(temp, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
    builder.environment().put("CARACAL_HOME", home.toString());
    builder.environment().remove("CARACAL_APPROVER_TOKEN");
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("caracal " + String.join(" ", args) + " did not finish in " + HANG_GUARD_SECONDS + "s");
    }
    Result r = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static java.io.File nullFile() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static HttpResponse<String> openSession(String appId, String secret) throws IOException, InterruptedException {
    String basic = Base64.getEncoder().encodeToString((appId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create(stsUrl + "/v1/sessions"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> kids() throws IOException, InterruptedException {
    return names(JSON.readTree(get(stsUrl + "/.well-known/jwks.json").body()).path("keys"), "kid");
  }

  private static JsonNode json(Result r) throws IOException {
    return JSON.readTree(r.out());
  }

  private static List<String> names(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asText()));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String idOf(JsonNode apps, String name) {
    for (JsonNode app : apps) {
      if (app.path("name").asText().equals(name)) {
        return app.path("id").asText();
      }
    }
    return fail("app `" + name + "` not listed");
  }

  private static void write(String relative, String text) throws IOException {
    Path file = work.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
