package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * `caracal serve` from the built jar in a process of its own (embedded H2 under {@code home}),
 * and the admin API and STS calls the CLI integration tests make against it. Close to stop it.
 */
final class ServeProcess implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  final String baseUrl;
  final String gatewayUrl;
  final String adminToken;

  private ServeProcess(Process process, String baseUrl, String gatewayUrl, String adminToken) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.gatewayUrl = gatewayUrl;
    this.adminToken = adminToken;
  }

  /**
   * Starts the server with {@code serveArgs} added (say `--db URL`) and waits until it has written
   * its own `server.json` (one a killed server left behind does not count); its output is appended
   * to `serve.out` and `serve.err` in {@code work}.
   */
  static ServeProcess start(Path home, Path work, String... serveArgs) throws Exception {
    return startOn(home, work, 0, 0, serveArgs);
  }

  /**
   * As {@link #start}, on fixed ports: a restart on the same ports keeps the STS's URL, and so the
   * issuer its tokens name, the same.
   */
  static ServeProcess startOn(Path home, Path work, int stsPort, int gatewayPort, String... serveArgs) throws Exception {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", CaracalProcess.jar().toString(), "serve",
        "--sts-port", String.valueOf(stsPort), "--gateway-port", String.valueOf(gatewayPort)));
    command.addAll(List.of(serveArgs));
    ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
        .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("serve.out").toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("serve.err").toFile()));
    pb.environment().put("CARACAL_HOME", home.toString());
    Process process = pb.start();
    Path state = home.resolve("server.json");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      if (Files.exists(state)) {
        JsonNode json = JSON.readTree(Files.readString(state));
        if (json.path("pid").asLong() == process.pid()) {
          return new ServeProcess(process, json.get("sts_url").asText(), json.path("gateway_url").asText(""),
              Files.readString(home.resolve("admin.token")).trim());
        }
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("caracal serve did not start:\n" + Files.readString(work.resolve("serve.err")));
      }
      Thread.sleep(200);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** HTTP Basic credentials of an app as `POST .../apps` returned it. */
  static String basic(JsonNode app) {
    return "Basic " + Base64.getEncoder().encodeToString((app.get("id").asText() + ":" + app.get("client_secret").asText())
        .getBytes(StandardCharsets.UTF_8));
  }

  JsonNode admin(String method, String path, Object body, int expected) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  /** Opens an agent session with the app's credentials; {@code body} as `POST /v1/sessions` takes it. */
  JsonNode session(String basic, Map<String, Object> body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions")).header("Authorization", basic)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** RFC 8693 exchange of a session token for a token to {@code resource} with {@code scope}; the raw answer. */
  HttpResponse<String> token(String basic, String subjectToken, String resource, String scope) throws Exception {
    String form = Map.of("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token", subjectToken,
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", resource, "scope", scope)
        .entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/oauth2/token")).header("Authorization", basic)
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** SIGKILL (on Linux): the process gets no chance to flush, close or checkpoint anything. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
