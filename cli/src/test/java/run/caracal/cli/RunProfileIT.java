package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/**
 * `caracal run` from the built jar when the runtime profile or the STS is not right: the message on
 * stderr (prefixed `caracal run: `) and the exit code, 2 for a profile that cannot be used and 1
 * for an STS that refuses or cannot be reached. The STS here is a stub answering as the real one.
 */
final class RunProfileIT {
  @TempDir
  Path dir;

  private HttpServer sts;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startStubSts() throws IOException {
    sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sts.createContext("/", exchange -> {
      calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      String path = exchange.getRequestURI().getPath();
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      if (auth == null || !auth.startsWith("Basic ")) {
        answer(exchange, 401, "{\"error\":\"invalid_client\"}");
      } else if (path.equals("/v1/sessions") && auth.equals(basic("app_refused", "s3cret"))) {
        answer(exchange, 401, "{\"error\":\"invalid_client\",\"reason\":\"client_auth_failed\","
            + "\"error_description\":\"the client secret does not match\",\"request_id\":\"req_refused1\"}");
      } else if (path.equals("/v1/sessions")) {
        answer(exchange, 201, "{\"session_id\":\"ses_1\",\"session_token\":\"tok.en.1\",\"expires_in\":600}");
      } else if (path.equals("/oauth2/token")) {
        answer(exchange, 400, "{\"error\":\"invalid_scope\",\"reason\":\"denied_by_rule\","
            + "\"error_description\":\"no rule allows `notes:write`\",\"request_id\":\"req_denied1\"}");
      } else if (path.startsWith("/v1/sessions/")) {
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      } else {
        answer(exchange, 404, "{\"error\":\"not_found\"}");
      }
    });
    sts.start();
  }

  @AfterEach
  void stopStubSts() {
    sts.stop(0);
  }

  @Test
  void run_noProfileAnywhere_exitsTwoNamingTheWaysToGiveOne() throws Exception {
    Path xdg = Files.createDirectories(dir.resolve("xdg"));

    Result r = run(Map.of("XDG_CONFIG_HOME", xdg.toString()));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: no runtime profile: set CARACAL_CONFIG to a profile file (written by `caracal setup`), "
        + "set CARACAL_STS_URL / CARACAL_APPLICATION_ID / CARACAL_APP_CLIENT_SECRET_FILE, or create "
        + xdg.resolve("caracal/caracal.toml") + "\n", r.err());
  }

  @Test
  void run_configNamesNoFile_exitsTwo() throws Exception {
    Path missing = dir.resolve("nope.toml");

    Result r = run(Map.of("CARACAL_CONFIG", missing.toString()));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: profile `" + missing + "` does not exist\n", r.err());
  }

  @Test
  void run_profileWithUnknownKey_exitsTwoNamingTheKey() throws Exception {
    Path profile = profile("app_1", "stsurl = \"x\"\n");

    Result r = run(Map.of("CARACAL_CONFIG", profile.toString()));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: " + profile + ": unknown key `stsurl` (expected one of app_client_secret, "
        + "app_client_secret_file, application_id, credentials, gateway_url, sts_url, ttl_seconds, zone_id)\n", r.err());
  }

  @Test
  void run_secretFileReadableByGroup_exitsTwoWithTheChmod() throws Exception {
    Path profile = profile("app_1", "");
    Path secret = dir.resolve("app.secret");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));

    Result r = run(Map.of("CARACAL_CONFIG", profile.toString()));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: secret file `" + secret + "` is readable by group or others; run `chmod 600 " + secret + "`\n",
        r.err());
  }

  @Test
  void run_environmentWithoutApplication_exitsTwoNamingTheVariable() throws Exception {
    Result r = run(Map.of("CARACAL_STS_URL", stsUrl(), "CARACAL_APP_CLIENT_SECRET", "s3cret"));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: environment variable CARACAL_APPLICATION_ID is not set (and CARACAL_CONFIG names no profile)\n",
        r.err());
  }

  @Test
  void run_environmentWithBothSecrets_exitsTwo() throws Exception {
    Result r = run(Map.of("CARACAL_STS_URL", stsUrl(), "CARACAL_APPLICATION_ID", "app_1", "CARACAL_APP_CLIENT_SECRET", "s3cret",
        "CARACAL_APP_CLIENT_SECRET_FILE", dir.resolve("app.secret").toString()));

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal run: set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE\n", r.err());
  }

  @Test
  void run_stsRefusesTheApp_exitsOneWithTheReasonAndRequestId() throws Exception {
    Path profile = profile("app_refused", "");

    Result r = run(Map.of("CARACAL_CONFIG", profile.toString()));

    assertEquals(1, r.exit(), r::toString);
    assertEquals("caracal run: cannot open a session: invalid_client (client_auth_failed) the client secret does not match "
        + "[caracal explain req_refused1]\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void run_tokenRefused_exitsOneWithTheReasonAndRequestId() throws Exception {
    Path profile = profile("app_1", "\n[[credentials]]\nresource = \"resource://notes-api\"\nscopes = [\"notes:write\"]\n");

    Result r = run(Map.of("CARACAL_CONFIG", profile.toString()));

    assertEquals(1, r.exit(), r::toString);
    assertEquals("caracal run: cannot get a token for `resource://notes-api`: invalid_scope (denied_by_rule) "
        + "no rule allows `notes:write` [caracal explain req_denied1]\n", r.err());
    assertTrue(calls.contains("DELETE /v1/sessions/ses_1"), () -> "the session opened for the run is ended: " + calls);
  }

  @Test
  void run_stsUnreachable_exitsOneNamingTheUrl() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Path profile = profile("app_1", "", "http://127.0.0.1:" + closed);

    Result r = run(Map.of("CARACAL_CONFIG", profile.toString()));

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().startsWith("caracal run: cannot open a session: the STS at http://127.0.0.1:" + closed
        + " is unreachable ("), r.err());
  }

  private String stsUrl() {
    return "http://127.0.0.1:" + sts.getAddress().getPort();
  }

  private Path profile(String app, String extra) throws IOException {
    return profile(app, extra, stsUrl());
  }

  /** A profile for {@code app} with its secret in a 0600 file beside it, then {@code extra} TOML. */
  private Path profile(String app, String extra, String stsUrl) throws IOException {
    Path secret = dir.resolve("app.secret");
    Files.writeString(secret, "s3cret\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    String top = "sts_url = \"" + stsUrl + "\"\ngateway_url = \"http://127.0.0.1:1\"\nzone_id = \"zone_1\"\n"
        + "application_id = \"" + app + "\"\napp_client_secret_file = \"" + secret + "\"\n";
    return Files.writeString(dir.resolve("caracal.toml"), top + extra);
  }

  /** `caracal run -- true` with only {@code env} of the CARACAL_* variables, and HOME in the temp folder. */
  private Result run(Map<String, String> env) throws Exception {
    List<String> command = CaracalProcess.cliCommand();
    command.addAll(List.of("run", "--", "true"));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_") || k.equals("XDG_CONFIG_HOME"));
    pb.environment().put("HOME", dir.toString());
    pb.environment().put("XDG_CONFIG_HOME", dir.resolve("no-xdg").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("caracal run did not finish");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }
}
