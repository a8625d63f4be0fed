package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's first journey with the built jar as real processes: up → setup → run → an allowed
 * call → a policy push that denies deletes → a denied call → explain → audit verify → down.
 */
class FirstProtectedCallIT {
  record Result(int code, String out, String err) {}

  static final String GUARD = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: guard}
      spec:
        resources: ["resource://notes-api"]
        rules:
          - name: no-deletes
            effect: deny
            scopes: ["*"]
            when: "request.method == 'DELETE'"
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: default}
      spec: {policies: [notes-agent-starter, guard]}
      """;

  @TempDir static Path dir;
  static Path home;
  static HttpServer upstream;

  @BeforeAll
  static void startUpstream() throws IOException {
    home = dir.resolve("home");
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] out = ("notes " + exchange.getRequestMethod() + " " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
  }

  @AfterAll
  static void stop() throws Exception {
    caracal(Map.of(), "down");
    upstream.stop(0);
  }

  static Result caracal(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("caracal.jar")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("caracal " + String.join(" ", args) + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void firstProtectedCall_endToEnd() throws Exception {
    Result up = caracal(Map.of(), "up", "--sts-port", "0", "--gateway-port", "0");
    assertEquals(0, up.code(), up.out() + up.err());
    Result again = caracal(Map.of(), "up", "--sts-port", "0", "--gateway-port", "0");
    assertTrue(again.out().contains("already running"), again.out());

    Result status = caracal(Map.of(), "status", "--ready");
    assertEquals(0, status.code(), status.out() + status.err());

    Path profile = dir.resolve("profile/caracal.toml");
    Path secret = dir.resolve("profile/notes.secret");
    Result setup = caracal(Map.of(), "setup", "--zone", "team", "--app", "notes-agent", "--resource-id", "resource://notes-api",
        "--scopes", "notes:read,notes:write", "--upstream", "http://127.0.0.1:" + upstream.getAddress().getPort(),
        "--profile", profile.toString(), "--secret-file", secret.toString(), "--yes");
    assertEquals(0, setup.code(), setup.out() + setup.err());
    assertTrue(setup.out().contains("caracal run --"), setup.out());
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(secret));
    String secretValue = Files.readString(secret).trim();
    assertFalse(setup.out().contains(secretValue), "the secret is written to its file only");

    Map<String, String> env = Map.of("CARACAL_CONFIG", profile.toString());
    String curl = "curl -s -D - -H \"Authorization: Bearer $CARACAL_TOKEN_NOTES_API\" -H \"X-Caracal-Resource: resource://notes-api\" ";
    Result allowed = caracal(env, "run", "--", "sh", "-c", curl + "\"$CARACAL_GATEWAY_URL/notes/1\"");
    assertEquals(0, allowed.code(), allowed.out() + allowed.err());
    assertTrue(allowed.out().contains("200"), allowed.out());
    assertTrue(allowed.out().contains("notes GET /notes/1"), allowed.out());

    Path guard = dir.resolve("guard.yaml");
    Files.writeString(guard, GUARD);
    Result push = caracal(Map.of(), "policy", "push", guard.toString(), "--zone", "team");
    assertEquals(0, push.code(), push.out() + push.err());
    Result activate = caracal(Map.of(), "policy", "activate", "default", "--zone", "team");
    assertEquals(0, activate.code(), activate.out() + activate.err());

    Result denied = caracal(env, "run", "--", "sh", "-c", curl + "-X DELETE \"$CARACAL_GATEWAY_URL/notes/1\"");
    assertTrue(denied.out().contains("403"), denied.out());
    Matcher id = Pattern.compile("(?i)x-caracal-request-id: (req_[a-z0-9]+)").matcher(denied.out());
    assertTrue(id.find(), denied.out());

    Result explain = caracal(Map.of(), "explain", id.group(1));
    assertEquals(0, explain.code(), explain.out() + explain.err());
    assertTrue(explain.out().contains("no-deletes"), explain.out());
    assertTrue(explain.out().contains("denied_by_rule"), explain.out());
    assertTrue(explain.out().contains("default v"), explain.out());
    assertTrue(explain.out().toLowerCase().contains("policy"), explain.out());

    // setup for scripts, like the console: an existing policy instead of a starter, a provider credential
    Path credential = Files.writeString(dir.resolve("provider.token"), "sk_provider_notes\n");
    Result refused = caracal(Map.of(), "setup", "--zone", "team", "--app", "notes-reader", "--resource-id", "resource://notes-api",
        "--scopes", "notes:read", "--upstream", "http://127.0.0.1:" + upstream.getAddress().getPort(), "--policy", "nonesuch",
        "--profile", dir.resolve("reader/caracal.toml").toString(), "--yes");
    assertTrue(refused.code() != 0 && refused.err().contains("has no policy `nonesuch`"), refused.out() + refused.err());
    assertFalse(caracal(Map.of(), "app", "list", "--zone", "team", "--json").out().contains("notes-reader"),
        "a refused setup creates nothing");
    Result reader = caracal(Map.of(), "setup", "--zone", "team", "--app", "notes-reader", "--resource-id", "resource://notes-api",
        "--scopes", "notes:read,notes:write", "--upstream", "http://127.0.0.1:" + upstream.getAddress().getPort(),
        "--policy", "notes-agent-starter", "--credential-file", credential.toString(),
        "--profile", dir.resolve("reader/caracal.toml").toString(), "--yes");
    assertEquals(0, reader.code(), reader.out() + reader.err());
    Result resources = caracal(Map.of(), "resource", "list", "--zone", "team", "--json");
    assertTrue(resources.out().contains("\"upstream_credential\" : \"set\"") && !resources.out().contains("sk_provider_notes"),
        resources.out());
    Result policies = caracal(Map.of(), "policy", "history", "--zone", "team", "--json");
    assertTrue(policies.out().contains("notes-agent-starter"), policies.out());
    assertFalse(policies.out().contains("notes-reader-starter"), "the existing policy was used: " + policies.out());

    Result verify = caracal(Map.of(), "audit", "verify");
    assertEquals(0, verify.code(), verify.out() + verify.err());

    Result down = caracal(Map.of(), "down");
    assertEquals(0, down.code(), down.out() + down.err());
    Result after = caracal(Map.of(), "status");
    assertEquals(1, after.code());
  }
}
