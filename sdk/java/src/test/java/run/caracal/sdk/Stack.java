package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real Caracal stack for the integration tests: the built CLI jar (copied to a temporary
 * directory) runs {@code serve --sts-port 0 --gateway-port 0} on a temporary {@code CARACAL_HOME},
 * an upstream (JDK HttpServer) echoes what reaches it as JSON, and {@code caracal setup} writes
 * runtime profiles against both, non-interactively.
 */
final class Stack implements AutoCloseable {
  static final Path REPO = Path.of(System.getenv().getOrDefault("CARACAL_REPO", "../..")).toAbsolutePath().normalize();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("CARACAL_SDK_START_TIMEOUT", "120")));

  final Path work;
  final Path jar;
  final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final HttpClient http = HttpClient.newHttpClient();
  String upstreamUrl;
  String stsUrl;
  String gatewayUrl;
  StreamingUpstream streams;
  private HttpServer upstream;
  private Process server;

  /** Why the stack cannot run here, or null; throws when CARACAL_SDK_REQUIRE_SERVER=1. */
  static String unavailable() {
    Path jar = jarPath();
    if (Files.isRegularFile(jar)) return null;
    String problem = "the caracal jar is not built (" + jar + " is missing; build it with `cd " + REPO
        + " && ./mvnw -q -pl cli -am install -DskipTests`)";
    if ("1".equals(System.getenv("CARACAL_SDK_REQUIRE_SERVER"))) throw new IllegalStateException(problem);
    return "integration tests skipped: " + problem;
  }

  static Path jarPath() {
    String env = System.getenv("CARACAL_JAR");
    return env != null && !env.isBlank() ? Path.of(env) : REPO.resolve("cli/target/caracal.jar");
  }

  private Stack() throws IOException {
    work = Files.createTempDirectory("caracal-sdk-java-");
    jar = work.resolve("caracal.jar");
    Files.copy(jarPath(), jar);
  }

  static Stack start() throws Exception {
    Stack stack = new Stack();
    try {
      stack.startUpstream();
      stack.serve();
    } catch (Exception e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  Path home() {
    return work.resolve("home");
  }

  private void startUpstream() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] in = exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().toString();
      hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      String[] segments = path.split("\\?")[0].split("/");
      int status = 200;
      for (int i = 0; i < segments.length - 1; i++) {
        if (segments[i].equals("status")) status = Integer.parseInt(segments[i + 1]);
      }
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("method", exchange.getRequestMethod());
      out.put("path", path);
      ObjectNode headers = out.putObject("headers");
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(", ", v)));
      out.put("body", new String(in, StandardCharsets.UTF_8));
      byte[] payload = out.toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
      } else {
        exchange.sendResponseHeaders(status, payload.length);
        exchange.getResponseBody().write(payload);
      }
      exchange.close();
    });
    streams = new StreamingUpstream(upstream, hits);
    upstream.setExecutor(Executors.newCachedThreadPool(task -> { // a slow stream must not hold up other requests
      Thread thread = new Thread(task, "upstream");
      thread.setDaemon(true);
      return thread;
    }));
    upstream.start();
    upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();
  }

  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    System.getenv().forEach((k, v) -> {
      if (!k.startsWith("CARACAL_")) env.put(k, v);
    });
    env.put("CARACAL_HOME", home().toString());
    return env;
  }

  private ProcessBuilder process(List<String> args) {
    ProcessBuilder pb = new ProcessBuilder(args);
    pb.environment().clear();
    pb.environment().putAll(env());
    return pb;
  }

  private void serve() throws Exception {
    Files.createDirectories(home());
    Path log = work.resolve("server.log");
    server = process(List.of(java, "-Xmx768m", "-jar", jar.toString(), "serve", "--sts-port", "0", "--gateway-port", "0"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Path state = home().resolve("server.json");
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) throw new IllegalStateException("caracal serve exited early:\n" + serverLog());
      if (Files.exists(state)) {
        JsonNode node = Json.parseObject(Files.readString(state));
        if (node != null && node.hasNonNull("sts_url")) {
          stsUrl = node.get("sts_url").asText();
          gatewayUrl = node.get("gateway_url").asText();
          try {
            int status = http.send(HttpRequest.newBuilder(URI.create(stsUrl + "/.well-known/oauth-authorization-server")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) return;
          } catch (IOException e) {
            // not listening yet
          }
        }
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("caracal serve did not start within " + START_TIMEOUT + ":\n" + serverLog());
  }

  String serverLog() {
    try {
      String s = Files.readString(work.resolve("server.log"));
      return s.substring(Math.max(0, s.length() - 4000));
    } catch (IOException e) {
      return "";
    }
  }

  /** Runs {@code caracal ARGS} from the jar against this server; returns stdout, throws on failure. */
  String cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return run(process(cmd), "caracal " + String.join(" ", args));
  }

  static String run(ProcessBuilder pb, String what) throws Exception {
    Path err = Files.createTempFile("caracal-err", ".txt");
    try {
      Process p = pb.redirectError(err.toFile()).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " timed out");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed (" + p.exitValue() + "):\n" + out + "\n" + Files.readString(err));
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /** {@code caracal setup} for a new app; returns the profile path (secret file beside it). */
  Path setup(String zone, String app, String resource, String scopes, String upstreamUrl) throws Exception {
    Path folder = work.resolve("profiles").resolve(zone + "-" + app);
    Path profile = folder.resolve("caracal.toml");
    cli("setup", "--zone", zone, "--app", app, "--resource-id", resource, "--scopes", scopes, "--upstream", upstreamUrl,
        "--profile", profile.toString(), "--secret-file", folder.resolve(app + ".secret").toString(), "--yes");
    return profile;
  }

  /** One admin API call with the admin token from {@code $CARACAL_HOME/admin.token}. */
  JsonNode admin(String method, String path, String json) throws Exception {
    String token = Files.readString(home().resolve("admin.token")).trim();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(stsUrl + path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) throw new IllegalStateException("admin " + method + " " + path + " failed: " + r.statusCode() + " " + r.body());
    return Json.parseObject(r.body());
  }

  @Override
  public void close() {
    if (server != null && server.isAlive()) {
      server.destroy();
      try {
        if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (upstream != null) upstream.stop(0);
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
