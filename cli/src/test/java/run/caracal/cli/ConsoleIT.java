package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/**
 * `caracal console` as an operator runs it: a real `caracal serve` on a temporary `CARACAL_HOME`
 * with one denied token request, and the console in a tmux pseudo-terminal driven with
 * `send-keys` and read with `capture-pane`.
 */
final class ConsoleIT {
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
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
  static String deniedRequest;
  static String sessionId;
  static String target = "console";
  static final String SOCKET = "caracal-console-it-" + ProcessHandle.current().pid();

  @BeforeAll
  static void startServerAndDenyARequest() throws Exception {
    server = ServeProcess.start(home, work);
    baseUrl = server.baseUrl;
    admin("POST", "/admin/v1/zones", Map.of("name", "prod"), 201);
    JsonNode app = admin("POST", "/admin/v1/zones/prod/apps", Map.of("name", "invoice-agent"), 201);
    admin("PUT", "/admin/v1/zones/prod/resources", Map.of("id", "resource://billing-api",
        "scopes", List.of("billing:read", "billing:refund"), "upstream", "http://127.0.0.1:9"), 200);
    admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "billing.yaml", "content", POLICY))), 200);
    admin("POST", "/admin/v1/zones/prod/activate", Map.of("policy_set", "production"), 200);
    String second = POLICY.replace("    - name: no-refunds", "    - name: exports\n      effect: allow\n"
        + "      scopes: [\"billing:export\"]\n    - name: no-refunds"); // pushed, not active; billing:export is undeclared
    assertTrue(!second.equals(POLICY));
    admin("POST", "/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "billing.yaml", "content", second))), 200);
    String basic = ServeProcess.basic(app);
    JsonNode session = server.session(basic, Map.of());
    sessionId = session.get("session_id").asText();
    HttpResponse<String> denied = server.token(basic, session.get("session_token").asText(), "resource://billing-api", "billing:refund");
    assertEquals(403, denied.statusCode(), denied.body());
    deniedRequest = ServeProcess.JSON.readTree(denied.body()).get("request_id").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    if (hasTmux()) {
      new ProcessBuilder("tmux", "-L", SOCKET, "kill-server").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void console_inATerminal_showsZonesAuditAndExplainThenQuits() throws Exception {
    Assumptions.assumeTrue(hasTmux(), "tmux is not installed");
    Path exit = work.resolve("console.exit");
    String shell = "CARACAL_HOME='" + home + "' '" + java() + "' -XX:TieredStopAtLevel=1 -jar '" + CaracalProcess.jar()
        + "' console 2>'" + work.resolve("console.err") + "'; echo $? > '" + exit + "'";
    tmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", "sh", "-c", shell);

    target = "console";
    String zones = await("the zones view", s -> s.contains("prod") && s.contains("zones (Enter opens)"));
    assertTrue(zones.contains("Caracal console  " + baseUrl), zones);
    shot("zones", zones);
    selectRow(zones, l -> l.contains(" prod "));
    keys("Enter");
    String zone = await("the zone detail", s -> s.contains("applications (1)"));
    assertTrue(zone.contains("production v1"), zone);
    assertTrue(zone.contains("invoice-agent"), zone);
    assertTrue(zone.contains("resource://billing-api"), zone);
    assertTrue(!zone.contains("secret"), zone);
    shot("zone-detail", zone);
    closePanel();

    keys("z");
    String picker = await("the zone picker", s -> s.contains("pick the current zone"));
    selectRow(picker, l -> l.contains(" prod "));
    shot("zone-picker", capture());
    keys("Enter");
    await("prod picked", s -> s.contains("zone: prod") && s.contains("current zone: prod"));

    keys("2");
    String apps = await("the apps view", s -> s.contains("apps of zone prod") && s.contains("invoice-agent"));
    shot("apps", apps);
    selectRow(apps, l -> l.contains("invoice-agent"));
    keys("Enter");
    String app = await("the app detail", s -> s.contains("\"name\" : \"invoice-agent\""));
    assertTrue(!app.contains("secret"), app);
    shot("app-detail", app);
    closePanel();
    keys("3");
    shot("resources", await("the resources view", s -> s.contains("resources of zone prod") && s.contains("resource://billing-api")
        && s.contains("billing:read,billing:refund")));

    keys("4");
    String policies = await("the policies view", s -> s.contains("policies of zone prod") && s.contains("billing"));
    assertTrue(policies.lines().anyMatch(l -> l.contains("billing") && l.contains(" v1 ") && l.endsWith("yes")), policies);
    selectRow(policies, l -> l.contains("billing") && l.contains(" v2 "));
    keys("Enter");
    String source = await("the policy source", s -> s.contains("policy billing v2 of zone prod") && s.contains("lint:"));
    assertTrue(source.contains("lint: 0 error(s), 1 warning(s)"), source);
    assertTrue(source.contains("  1 | apiVersion: caracal.run/v1"), source);
    assertTrue(source.lines().anyMatch(l -> l.contains("^ warning unknown_scope: scope `billing:export`")), source);
    shot("policy-source", source);
    closePanel();

    keys("5");
    String sets = await("the policy sets view", s -> s.contains("policy sets of zone prod") && s.contains("production"));
    assertTrue(sets.lines().anyMatch(l -> l.contains("production") && l.contains(" v1 ") && l.endsWith("ACTIVE")), sets);
    selectRow(sets, l -> l.contains("production") && l.contains(" v2 "));
    keys("I");
    String impact = await("the impact of v2", s -> s.contains("impact of production v2 on zone prod, last 24 h")
        && s.contains("recorded decision(s) replayed"));
    assertTrue(impact.contains(": 1 recorded decision(s) replayed"), "the one refund decided in setup: " + impact);
    assertTrue(impact.contains("unchanged      1"), "v2 only adds exports; the refund stays denied: " + impact);
    shot("policy-set-impact", impact);
    closePanel();
    keys("A");
    await("the activation question", s -> s.contains("activate production v2 in zone prod? (y/n)"));
    keys("n");
    await("nothing activated", s -> s.contains("cancelled: nothing changed"));
    keys("A");
    await("the activation question", s -> s.contains("(y/n)"));
    keys("y");
    String activated = await("v2 active", s -> s.contains("activated production v2 in zone prod")
        && s.lines().anyMatch(l -> l.contains(" v2 ") && l.endsWith("ACTIVE")));
    shot("policy-sets", activated);
    keys("R");
    shot("policy-sets-rollback", await("the rollback question",
        s -> s.contains("roll back zone prod from production v2 to production v1? (y/n)")));
    keys("y");
    await("v1 active again", s -> s.contains("rolled back zone prod to production v1")
        && s.lines().anyMatch(l -> l.contains(" v1 ") && l.endsWith("ACTIVE")));
    selectRow(capture(), l -> l.contains("production") && l.contains(" v2 "));
    keys("H");
    await("the shadow question", s -> s.contains("shadow production v2 beside the active set in zone prod? (y/n)"));
    keys("y");
    await("v2 shadow", s -> s.lines().anyMatch(l -> l.contains(" v2 ") && l.endsWith("shadow")));
    keys("Enter");
    String manifest = await("the set detail", s -> s.contains("policy set production v2 of zone prod") && s.contains("pinned policies (1)"));
    assertTrue(manifest.contains("shadow:      production v2") && manifest.contains("rollback to: production v2"), manifest);
    closePanel();
    keys("C");
    await("the clear question", s -> s.contains("stop shadow evaluation in zone prod? (y/n)"));
    keys("y");
    await("shadow cleared", s -> s.contains("cleared the shadow set of zone prod")
        && s.lines().noneMatch(l -> l.endsWith("shadow")));

    keys("a");
    String audit = await("the audit view", s -> s.lines().anyMatch(l -> l.contains("authorization") && l.contains("deny")));
    shot("audit", audit);
    selectRow(audit, l -> l.contains("authorization") && l.contains("deny"));
    keys("Enter");
    String explain = await("the explain panel", s -> s.contains("explain " + deniedRequest) && s.contains("denied_by_rule"));
    assertTrue(explain.contains("no-refunds"), explain);
    shot("explain-denied", explain);

    keys("t");
    String trace = await("the trace timeline", s -> s.contains("trace of request " + deniedRequest));
    assertTrue(trace.contains("(of request " + deniedRequest + ")"), trace);
    assertTrue(trace.lines().anyMatch(l -> l.contains("authorization") && l.contains("deny")), trace);
    shot("trace-denied", trace);

    keys("Escape");
    await("the audit list again", s -> s.contains("audit: newest"));
    keys("t");
    await("the trace of the selected event", s -> s.contains("trace of request " + deniedRequest));
    keys("Escape");
    await("the audit list again", s -> s.contains("audit: newest"));

    keys("f");
    await("the filter prompt", s -> s.contains("filter (decision=, type="));
    type("oops");
    keys("Enter");
    await("the filter error", s -> s.contains("filter not applied: `oops` is not key=value"));
    keys("f");
    type("decision=deny type=authorization");
    keys("Enter");
    String filtered = await("the filtered audit", s -> s.contains("where decision=deny type=authorization")
        && s.lines().anyMatch(l -> l.contains(deniedRequest.substring(0, 8)) || l.contains("deny")));
    shot("audit-filtered", filtered);
    List<String> rows = filtered.lines().dropWhile(l -> !l.contains("where decision=deny")).skip(2)
        .filter(l -> l.startsWith("> ") || l.startsWith("  ")).filter(l -> !l.isBlank()).toList();
    assertTrue(!rows.isEmpty() && rows.stream().allMatch(l -> l.contains("authorization") && l.contains("deny")), filtered);
    keys("F");
    await("the filter cleared", s -> s.contains("audit: newest") && !s.contains("where decision"));

    keys("/");
    await("the request id prompt", s -> s.contains("request id to explain"));
    type(deniedRequest);
    shot("explain-prompt", await("the pasted id", s -> s.contains(deniedRequest + "_")));
    keys("Enter");
    String pasted = await("explain of the pasted id", s -> s.contains("explain " + deniedRequest) && s.contains("denied_by_rule"));
    assertTrue(pasted.contains("no-refunds"), pasted);
    keys("Escape");
    keys("e");
    await("the request id prompt", s -> s.contains("request id to explain"));
    keys("q");
    keys("Escape");
    await("the prompt cancelled", s -> !s.contains("request id to explain"));

    keys("S");
    String sessions = await("the sessions view", s -> s.contains("sessions of zone prod") && s.contains(sessionId));
    assertTrue(sessions.lines().anyMatch(l -> l.contains(sessionId) && l.contains(" live ")), sessions);
    selectRow(sessions, l -> l.contains(sessionId));
    keys("x");
    shot("sessions-confirm", await("the confirmation", s -> s.contains("terminate session " + sessionId) && s.contains("(y/n)")));
    keys("n");
    await("not terminated", s -> s.contains("cancelled: nothing changed"));
    keys("x");
    await("the confirmation", s -> s.contains("(y/n)"));
    keys("y");
    String ended = await("the session terminated", s -> s.contains("terminated " + sessionId)
        && s.lines().anyMatch(l -> l.startsWith("> ") && l.contains(sessionId) && l.contains(" terminated ")));
    assertTrue(!ended.contains("(y/n)"), ended);
    shot("sessions-terminated", ended);
    keys("?");
    shot("help", await("the help", s -> s.contains("this help (any key closes it)")));
    keys("Escape");
    await("help closed", s -> !s.contains("this help (any key closes it)"));
    keys("d");
    String diagnostics = await("the diagnostics view", s -> s.contains("ready:") && s.contains("policy lint:"));
    assertTrue(diagnostics.contains("production v1"), diagnostics);
    assertTrue(diagnostics.lines().anyMatch(l -> l.startsWith("clock:        ok ")), diagnostics);
    assertTrue(diagnostics.lines().anyMatch(l -> l.startsWith("ledger chain: ok ")), diagnostics);
    assertTrue(diagnostics.contains("policy lint:  ok   zone prod, active set production v1: 1 policy, 0 error(s), 0 warning(s)"),
        diagnostics);
    shot("diagnostics", diagnostics);
    tmux("resize-window", "-t", "console", "-x", "80", "-y", "20");
    shot("resized-80x20", await("the screen laid out again at 80x20", s -> s.contains("z zone | 1-9 views")
        && s.lines().count() <= 20 && s.contains("ready:")));

    keys("q");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(exit) || Files.readString(exit).isBlank()) {
      if (System.nanoTime() > deadline) {
        fail("the console did not exit after `q`:\n" + capture());
      }
      Thread.sleep(100);
    }
    assertEquals("0", Files.readString(exit).trim(), () -> readQuietly(work.resolve("console.err")));
  }

  @Test
  void console_guidedSetup_thenACallThroughTheGatewayIsFoundExplainedAndTraced() throws Exception {
    Assumptions.assumeTrue(hasTmux(), "tmux is not installed");
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] out = ("cart " + exchange.getRequestMethod() + " " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    try {
      Path dir = Files.createDirectories(work.resolve("setup"));
      Path exit = work.resolve("setup.exit");
      String shell = "CARACAL_HOME='" + home + "' '" + java() + "' -XX:TieredStopAtLevel=1 -jar '" + CaracalProcess.jar()
          + "' console 2>'" + work.resolve("console.err") + "'; echo $? > '" + exit + "'";
      target = "setup";
      tmux("new-session", "-d", "-s", "setup", "-c", dir.toString(), "-x", "250", "-y", "45", "sh", "-c", shell);
      await("the zones view", s -> s.contains("zones (Enter opens)"));

      keys("s");
      shot("setup-scenario", await("setup step 1", s -> s.contains("guided setup: step 1 of 10") && s.contains(": internal-http_")));
      keys("Enter");
      await("setup step 2", s -> s.contains("guided setup: step 2 of 10") && s.contains(": default_"));
      erase("default");
      type("shop");
      keys("Enter");
      shot("setup-app-step", await("step 3", s -> s.contains("step 3 of 10")));
      answer("cart-agent", "step 4 of 10");
      answer("resource://cart-api", "step 5 of 10");
      answer("cart:read,cart:write", "step 6 of 10");
      type("not a url");
      keys("Enter");
      await("the upstream error", s -> s.contains("the upstream is an http:// or https:// URL"));
      erase("not a url");
      type("http://127.0.0.1:" + upstream.getAddress().getPort());
      keys("Enter");
      shot("setup-policy", await("step 7", s -> s.contains("step 7 of 10") && s.contains("starter_") && s.contains("Tab cycles: starter")));
      keys("Enter");
      await("step 8", s -> s.contains("step 8 of 10") && s.contains("./caracal.toml_"));
      keys("Enter");
      await("step 9", s -> s.contains("step 9 of 10") && s.contains("./cart-agent.secret_"));
      keys("Enter");
      String review = await("the review", s -> s.contains("step 10 of 10") && s.contains("[x] write profile files"));
      shot("setup-review", review);
      assertTrue(review.contains("resource://cart-api  scopes cart:read,cart:write"), review);
      keys("w");
      await("files off", s -> s.contains("[ ] write profile files"));
      keys("w");
      await("files on", s -> s.contains("[x] write profile files"));
      keys("Enter");
      String result = await("the result view", s -> s.contains("setup complete"));
      shot("setup-result", result);
      Path profile = dir.resolve("caracal.toml").toRealPath();
      Path secret = dir.resolve("cart-agent.secret").toRealPath();
      assertTrue(result.contains("zone:         shop (zone_") || result.contains("zone:         shop ("), result);
      assertTrue(result.contains("app:          cart-agent ("), result);
      assertTrue(result.contains("resource:     resource://cart-api"), result);
      assertTrue(result.contains("policy set:   default v1 (active)"), result);
      assertTrue(result.contains("profile:      " + profile), result);
      assertTrue(result.contains("secret file:  " + secret + " (mode 0600"), result);
      assertTrue(result.contains("CARACAL_CONFIG=" + profile + " caracal run --"), result);
      assertEquals(java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
          java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(secret));
      String secretValue = Files.readString(secret).trim();
      assertTrue(!secretValue.isEmpty() && !result.contains(secretValue), "the secret is only in its file");

      ProcessBuilder run = new ProcessBuilder(java(), "-jar", CaracalProcess.jar().toString(), "run", "--", "sh", "-c",
          "curl -s -D - -H \"Authorization: Bearer $CARACAL_TOKEN_CART_API\" -H \"X-Caracal-Resource: resource://cart-api\" "
              + "\"$CARACAL_GATEWAY_URL/carts/7\"").directory(dir.toFile()).redirectErrorStream(true);
      run.environment().put("CARACAL_HOME", home.toString());
      run.environment().put("CARACAL_CONFIG", profile.toString());
      Process call = run.start();
      String answer = new String(call.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(call.waitFor(120, TimeUnit.SECONDS), answer);
      assertEquals(0, call.exitValue(), answer);
      assertTrue(answer.contains("cart GET /carts/7"), answer);
      String requestId = answer.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("x-request-id:")
          || l.toLowerCase(java.util.Locale.ROOT).startsWith("x-caracal-request-id:"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow(() -> new AssertionError(answer));

      keys("Escape");
      keys("a");
      String audit = await("the gateway call in audit", s -> s.contains(requestId));
      selectRow(audit, l -> l.contains(requestId));
      keys("Enter");
      shot("audit-gateway-call", await("the row selected", s -> s.contains(requestId)));
      String explain = await("explain of the call", s -> s.contains("explain " + requestId));
      assertTrue(explain.contains("resource://cart-api"), explain);
      keys("t");
      String trace = await("the trace of the call", s -> s.contains("trace of request " + requestId));
      assertTrue(trace.contains("resource://cart-api"), trace);
      shot("trace", trace);
      keys("Escape");

      keys("s");
      await("setup step 1", s -> s.contains("guided setup: step 1 of 10") && s.contains(": internal-http_"));
      keys("Tab");
      await("provider-api picked", s -> s.contains(": provider-api_"));
      keys("Enter");
      await("setup step 2", s -> s.contains("guided setup: step 2 of 11") && s.contains(": default_") && s.contains("Tab cycles: "));
      for (int i = 0; i < 5 && !capture().contains("): shop_"); i++) {
        keys("Tab");
        Thread.sleep(300);
      }
      shot("setup-zone-picked", await("shop picked with Tab", s -> s.contains("): shop_")));
      keys("Enter");
      await("step 3", s -> s.contains("step 3 of 11"));
      answer("cart-once", "step 4 of 11");
      answer("resource://cart-api", "step 5 of 11");
      answer("cart:read", "step 6 of 11");
      type("http://127.0.0.1:" + upstream.getAddress().getPort());
      keys("Enter");
      await("the provider step", s -> s.contains("step 7 of 11") && s.contains("provider credential file"));
      type(dir.resolve("no-such.token").toString());
      keys("Enter");
      await("the missing file refused", s -> s.contains("no-such.token` does not exist"));
      erase(dir.resolve("no-such.token").toString());
      Path credential = Files.writeString(dir.resolve("provider.token"), "sk_provider_123\n");
      type(credential.toString());
      keys("Enter");
      await("step 8", s -> s.contains("step 8 of 11") && s.contains("Tab cycles: starter  cart-agent-starter"));
      keys("Tab");
      await("the existing policy picked", s -> s.contains("): cart-agent-starter_"));
      keys("Enter");
      await("step 9", s -> s.contains("step 9 of 11"));
      keys("Enter");
      await("step 10", s -> s.contains("step 10 of 11"));
      keys("Enter");
      await("the review", s -> s.contains("step 11 of 11") && s.contains("[x] write profile files"));
      keys("w");
      String noFiles = await("files off", s -> s.contains("[ ] write profile files"));
      shot("setup-review-no-files", noFiles);
      assertTrue(noFiles.contains("provider:     credential from " + credential), noFiles);
      keys("Enter");
      String once = await("the one-time secret", s -> s.contains("setup complete") && s.contains("app secret:"));
      shot("setup-result-one-time-secret", once);
      assertTrue(once.contains("profile:      not written") && once.contains("policy set:   default v"), once);
      assertTrue(!Files.exists(dir.resolve("cart-once.secret")), "no secret file when files are off");
      keys("Escape");
      await("the result closed", s -> !s.contains("setup complete"));
      keys("4");
      String shopPolicies = await("the policies of shop", s -> s.contains("policies of zone shop") && s.contains("cart-agent-starter"));
      assertTrue(!shopPolicies.contains("cart-once-starter"), "an existing policy was picked: no starter written\n" + shopPolicies);
      keys("3");
      String shopResources = await("the resources of shop", s -> s.contains("resources of zone shop") && s.contains("resource://cart-api"));
      selectRow(shopResources, l -> l.contains("resource://cart-api"));
      keys("Enter");
      String resource = await("the resource detail", s -> s.contains("\"upstream_credential\" : \"set\""));
      assertTrue(!resource.contains("sk_provider_123") && !once.contains("sk_provider_123"), "the provider credential is never shown");
      closePanel();
      keys("s");
      String again = await("a fresh form", s -> s.contains("step 1 of 10"));
      assertTrue(!again.contains("app secret"), again);
      keys("Escape");
      await("setup cancelled", s -> s.contains("setup cancelled: nothing changed"));
      keys("q");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(exit) || Files.readString(exit).isBlank()) {
        if (System.nanoTime() > deadline) {
          fail("the console did not exit after `q`:\n" + capture());
        }
        Thread.sleep(100);
      }
    } finally {
      upstream.stop(0);
    }
  }

  @Test
  void console_withoutATerminal_exitsTwoNamingTheEquivalentCommands() throws Exception {
    Result r = CaracalProcess.run(work, "console");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("the console needs a terminal"), r::toString);
    assertTrue(r.err().contains("`caracal audit list`") && r.err().contains("`caracal explain ID`")
        && r.err().contains("`caracal status`") && r.err().contains("`caracal zone list`"), r::toString);
    assertEquals("", r.out());
    assertNoStackTrace(r);
  }

  /** Types an answer into the setup form, presses Enter and waits for the next step. */
  private static void answer(String text, String nextStep) throws Exception {
    type(text);
    keys("Enter");
    await(nextStep, s -> s.contains(nextStep));
  }

  /** Deletes what was typed, one backspace per character. */
  private static void erase(String typed) throws Exception {
    for (int i = 0; i < typed.length(); i++) {
      keys("BSpace");
    }
  }

  /** Esc out of a detail panel, waiting until it is gone (an Esc followed at once by a key reads as Alt+key). */
  private static void closePanel() throws Exception {
    keys("Escape");
    await("the panel closed", s -> !s.contains("(Up/Down scroll, Esc back)"));
  }

  /** Moves the selection ("> ") to the first row matching {@code row}. */
  private static void selectRow(String screen, Predicate<String> row) throws Exception {
    List<String> lines = screen.lines().toList();
    int selected = -1;
    int wanted = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (selected < 0 && lines.get(i).startsWith("> ")) {
        selected = i;
      }
      if (wanted < 0 && row.test(lines.get(i))) {
        wanted = i;
      }
    }
    assertTrue(selected >= 0 && wanted >= 0, screen);
    for (int i = 0; i < Math.abs(wanted - selected); i++) {
      keys(wanted > selected ? "Down" : "Up");
    }
    await("the row selected", s -> s.lines().anyMatch(l -> l.startsWith("> ") && row.test(l)));
  }

  private static String await(String what, Predicate<String> shown) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String screen = "";
    while (System.nanoTime() < deadline) {
      screen = capture();
      if (shown.test(screen)) {
        return screen;
      }
      Thread.sleep(200);
    }
    fail(what + " did not show; the screen was:\n" + screen + "\nstderr:\n" + readQuietly(work.resolve("console.err")));
    return screen;
  }

  /** Keeps a capture for docs/console.md under target/console-screens. */
  private static void shot(String name, String screen) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "console-screens"));
    Files.writeString(dir.resolve(name + ".txt"), screen.stripTrailing() + "\n");
  }

  private static void keys(String key) throws Exception {
    tmux("send-keys", "-t", target, key);
  }

  private static void type(String text) throws Exception {
    tmux("send-keys", "-t", target, "-l", text);
  }

  private static String capture() throws Exception {
    return tmux("capture-pane", "-p", "-t", target);
  }

  private static String tmux(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("tmux", "-L", SOCKET));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("tmux " + String.join(" ", args) + " hung");
    }
    return out;
  }

  private static boolean hasTmux() {
    try {
      Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static String java() {
    return ServeProcess.java();
  }

  private static JsonNode admin(String method, String path, Object body, int expected) throws Exception {
    return server.admin(method, path, body, expected);
  }
}
