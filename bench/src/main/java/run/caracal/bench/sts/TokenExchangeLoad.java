package run.caracal.bench.sts;

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
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import run.caracal.server.CaracalServer;
import run.caracal.server.ServerSettings;
import run.caracal.server.home.CaracalHome;

/**
 * Load generator for the STS: token exchanges per second over loopback with keep-alive at a
 * given concurrency, with p50/p99, beside the same load on the metadata endpoint (no crypto, no
 * database) as the baseline measured in the same run.
 *
 * <p>With {@code --keycloak-token-url}, a peer is measured first in the same run: the same
 * closed-loop clients asking a running Keycloak for {@code client_credentials} tokens from a
 * confidential client ({@code bench/sts-load.sh} starts one and makes the client). A token exchange
 * does more than that grant: it verifies a session token, decides and records the decision durably.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar run.caracal.bench.sts.TokenExchangeLoad
 * [--concurrency 32] [--seconds 20] [--db jdbc:postgresql://127.0.0.1:5432/NAME]
 * [--keycloak-token-url URL --keycloak-client-id ID --keycloak-client-secret SECRET]}
 */
public final class TokenExchangeLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    int concurrency = intArg(args, "--concurrency", 32);
    int seconds = intArg(args, "--seconds", 20);
    Optional<String> db = stringArg(args, "--db");
    Optional<Result> keycloak = Optional.empty();
    Optional<String> keycloakUrl = stringArg(args, "--keycloak-token-url");
    if (keycloakUrl.isPresent()) {
      keycloak = Optional.of(keycloak(keycloakUrl.get(), stringArg(args, "--keycloak-client-id").orElseThrow(),
          stringArg(args, "--keycloak-client-secret").orElseThrow(), concurrency, seconds));
    }
    Path home = Files.createTempDirectory("caracal-bench");
    try (CaracalServer server = CaracalServer.start(new ServerSettings(new CaracalHome(home), db,
        db.map(d -> "postgres"), db.map(d -> ""), "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts")))) {
      String base = server.stsUrl();
      String admin = Files.readString(home.resolve("admin.token")).trim();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      call(http, "POST", base + "/admin/v1/zones", admin, null, "{\"name\":\"bench\"}");
      JsonNode app = call(http, "POST", base + "/admin/v1/zones/bench/apps", admin, null, "{\"name\":\"loader\"}");
      String basic = "Basic " + Base64.getEncoder().encodeToString(
          (app.get("id").asText() + ":" + app.get("client_secret").asText()).getBytes(StandardCharsets.UTF_8));
      call(http, "PUT", base + "/admin/v1/zones/bench/resources", admin, null,
          "{\"id\":\"resource://bench-api\",\"scopes\":[\"read\",\"write\"]}");
      String policy = "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: bench}\nspec:\n  resources: [\"resource://bench-api\"]\n"
          + "  rules:\n    - {name: read, effect: allow, scopes: [read], when: \"principal.name == 'loader'\"}\n"
          + "    - {name: no-deep, effect: deny, scopes: [\"*\"], when: \"delegation.depth > 2\"}\n"
          + "---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: bench}\nspec: {policies: [bench]}\n";
      call(http, "POST", base + "/admin/v1/zones/bench/policies", admin, null,
          JSON.writeValueAsString(Map.of("files", List.of(Map.of("name", "bench.yaml", "content", policy)))));
      call(http, "POST", base + "/admin/v1/zones/bench/activate", admin, null, "{\"policy_set\":\"bench\"}");
      JsonNode session = call(http, "POST", base + "/v1/sessions", null, basic, "{\"ttl_seconds\":3600}");
      String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
          + "&subject_token=" + enc(session.get("session_token").asText())
          + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:jwt")
          + "&resource=" + enc("resource://bench-api") + "&scope=read";
      HttpRequest exchange = HttpRequest.newBuilder(URI.create(base + "/oauth2/token")).header("Authorization", basic)
          .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build();
      HttpRequest baseline = HttpRequest.newBuilder(URI.create(base + "/.well-known/oauth-authorization-server")).GET().build();
      System.out.printf("machine: %d cores, java %s, database %s%n", Runtime.getRuntime().availableProcessors(),
          Runtime.version(), db.isPresent() ? "postgresql" : "h2 (embedded)");
      run("warmup", http, exchange, concurrency, Math.max(3, seconds / 4), false);
      Result peer = run("baseline GET /.well-known/oauth-authorization-server", http, baseline, concurrency, seconds, true);
      Result sts = run("token exchange POST /oauth2/token", http, exchange, concurrency, seconds, true);
      System.out.printf("ratio: token exchange throughput = %.3f x baseline; p50 %.1f x baseline%n",
          sts.perSecond / peer.perSecond, sts.p50Micros / Math.max(1.0, peer.p50Micros));
      if (keycloak.isPresent()) {
        printTable(keycloak.get(), peer, sts, concurrency, seconds);
      }
    }
  }

  /** Client-credentials load on a running Keycloak, over an HTTP client of its own. */
  private static Result keycloak(String tokenUrl, String clientId, String secret, int concurrency, int seconds)
      throws Exception {
    String basic = "Basic " + Base64.getEncoder().encodeToString(
        (enc(clientId) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8));
    HttpRequest grant = HttpRequest.newBuilder(URI.create(tokenUrl)).header("Authorization", basic)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> first = http.send(grant, HttpResponse.BodyHandlers.ofString());
    if (first.statusCode() != 200 || !JSON.readTree(first.body()).has("access_token")) {
      throw new IllegalStateException("keycloak " + tokenUrl + " -> " + first.statusCode() + " " + first.body());
    }
    run("warmup (keycloak)", http, grant, concurrency, Math.max(3, seconds / 4), false);
    return run("keycloak client_credentials POST .../token", http, grant, concurrency, seconds, true);
  }

  private static void printTable(Result keycloak, Result metadata, Result exchange, int concurrency, int seconds) {
    System.out.printf("%n| endpoint (concurrency %d, %d s) | req/s | p50 | p99 | errors |%n", concurrency, seconds);
    System.out.println("| --- | ---: | ---: | ---: | ---: |");
    row("Keycloak: client_credentials", keycloak);
    row("Caracal: metadata GET (baseline)", metadata);
    row("Caracal: token exchange", exchange);
    System.out.printf("%nCaracal token exchanges/s ÷ Keycloak client_credentials/s = %.2f×"
        + " (p50 %.2f×, p99 %.2f× Keycloak's)%n", exchange.perSecond / keycloak.perSecond,
        exchange.p50Micros / Math.max(1.0, keycloak.p50Micros), exchange.p99Micros / Math.max(1.0, keycloak.p99Micros));
    System.out.println("An exchange does more than client_credentials: it also verifies a session token,"
        + " decides, and records the decision durably in the ledger before answering.");
  }

  private static void row(String name, Result r) {
    System.out.printf("| %s | %,.0f | %.1f ms | %.1f ms | %d |%n", name, r.perSecond, r.p50Micros / 1000,
        r.p99Micros / 1000, r.errors);
  }

  record Result(double perSecond, double p50Micros, double p99Micros, long errors) {}

  private static Result run(String name, HttpClient http, HttpRequest request, int concurrency, int seconds, boolean print)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong errors = new AtomicLong();
    List<Future<long[]>> futures = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      futures.add(pool.submit(() -> {
        long[] samples = new long[1 << 16];
        int n = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
          long took = System.nanoTime() - t0;
          if (r.statusCode() != 200) {
            errors.incrementAndGet();
          }
          if (n == samples.length) {
            samples = Arrays.copyOf(samples, n * 2);
          }
          samples[n++] = took;
        }
        return Arrays.copyOf(samples, n);
      }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<long[]> f : futures) {
      for (long v : f.get()) {
        all.add(v);
      }
    }
    pool.shutdown();
    all.sort(Long::compare);
    double perSecond = all.size() / (double) seconds;
    double p50 = all.isEmpty() ? 0 : all.get(all.size() / 2) / 1000.0;
    double p99 = all.isEmpty() ? 0 : all.get((int) (all.size() * 0.99)) / 1000.0;
    if (print) {
      System.out.printf("%-55s %9.0f req/s  p50 %8.0f µs  p99 %8.0f µs  errors %d (concurrency %d, %d s)%n",
          name, perSecond, p50, p99, errors.get(), concurrency, seconds);
    }
    return new Result(perSecond, p50, p99, errors.get());
  }

  private static JsonNode call(HttpClient http, String method, String url, String adminToken, String basic, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (adminToken != null) {
      b.header("Authorization", "Bearer " + adminToken);
    }
    if (basic != null) {
      b.header("Authorization", basic);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + " -> " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static int intArg(String[] args, String name, int fallback) {
    return stringArg(args, name).map(Integer::parseInt).orElse(fallback);
  }

  private static Optional<String> stringArg(String[] args, String name) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Optional.of(args[i + 1]);
      }
    }
    return Optional.empty();
  }
}
