package run.caracal.bench.gateway;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Load benchmark of the Gateway on loopback, in one run: the same upstream called directly,
 * through the Gateway (a valid token, a policy that allows), and through nginx as a plain reverse
 * proxy. Reports maximum throughput at the given concurrencies (closed loop; `wrk` when it is on
 * the PATH, else this JVM's generator) as ratios to direct and to nginx, latency percentiles at
 * fixed open-loop rates, and how long a session revocation takes to stop its token. The servers
 * are started by {@code bench/gateway-load.sh}; this program sets up the zone, app, resource and
 * policy through the admin API and drives the load.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar run.caracal.bench.gateway.GatewayLoad
 * --sts URL --admin-token-file FILE --gateway URL --upstream URL --nginx URL [--seconds 10]
 * [--warmup 3] [--concurrency 16,64] [--rates 1000,3000] [--connections 64] [--generator wrk|java]
 * [--gateway-only-seconds N] [--mcp RATES]} (`--gateway-only-seconds`: load only the Gateway, for a profiler
 * attached to the server; `--mcp 500`: the MCP benchmark instead, see {@link #mcp})
 */
public final class GatewayLoad {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RESOURCE = "resource://bench-api";
  private static final String PATH = "/bench/items?limit=10";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String sts;
  private final String admin;
  private String basic;

  private GatewayLoad(String sts, String admin) {
    this.sts = sts;
    this.admin = admin;
  }

  public static void main(String[] args) throws Exception {
    Args a = new Args(args);
    GatewayLoad bench = new GatewayLoad(a.required("--sts"), Files.readString(Path.of(a.required("--admin-token-file"))).trim());
    double seconds = a.number("--seconds", 10);
    double warmup = a.number("--warmup", 3);
    int connections = (int) a.number("--connections", 64);
    List<Integer> concurrencies = a.list("--concurrency", "16,64");
    List<Integer> rates = a.list("--rates", "1000,3000");
    boolean wrk = a.value("--generator").map("wrk"::equals).orElseGet(Wrk::available);
    if (a.value("--mcp").isPresent()) {
      bench.mcp(a.required("--upstream"), a.required("--gateway"), a.list("--mcp", "500"), connections, warmup, seconds);
      return;
    }
    bench.setUp(a.required("--upstream"));

    JsonNode session = bench.openSession();
    Map<String, String> auth = Map.of("Authorization", "Bearer " + bench.token(session), "X-Caracal-Resource", RESOURCE);
    Map<String, Target> targets = new LinkedHashMap<>();
    targets.put("direct", new Target(a.required("--upstream") + PATH, Map.of()));
    targets.put("nginx", new Target(a.required("--nginx") + PATH, Map.of()));
    targets.put("gateway", new Target(a.required("--gateway") + PATH, auth));
    for (var e : targets.entrySet()) {
      bench.check(e.getKey(), e.getValue());
    }

    Optional<String> only = a.value("--gateway-only-seconds");
    if (only.isPresent()) {
      // load the gateway alone (for a profiler attached to the server)
      LoadGenerator.Result r = new LoadGenerator(targets.get("gateway").url(), auth).closedLoop(64, 0, Double.parseDouble(only.get()));
      System.out.printf("gateway alone, 64 connections: %,.0f req/s, p50 %.0f µs, p99 %.0f µs, %d errors%n", r.perSecond(),
          r.percentile(50), r.percentile(99), r.errors());
      return;
    }
    System.out.printf("machine: %d cores (%s), %s, java %s%n", Runtime.getRuntime().availableProcessors(), Machine.cpu(),
        Machine.os(), Runtime.version());
    System.out.printf("load average at start: %s%n", Machine.loadAverage());
    System.out.printf("throughput generator: %s; open-loop generator: this JVM, %d connections%n%n",
        wrk ? "wrk -t2 (closed loop)" : "this JVM (closed loop)", connections);

    // the gateway's JIT warms up before anything is measured
    new LoadGenerator(targets.get("gateway").url(), auth).closedLoop(16, 0, Math.max(5, warmup * 3));

    System.out.printf("Maximum throughput, closed loop, %.0f s per run (req/s)%n", seconds);
    System.out.println("| concurrency | direct | nginx proxy | gateway | gateway / direct | gateway / nginx |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    for (int c : concurrencies) {
      Map<String, double[]> r = new LinkedHashMap<>();
      for (var e : targets.entrySet()) {
        r.put(e.getKey(), wrk ? Wrk.run(e.getValue().url(), e.getValue().headers(), c, warmup, seconds)
            : closedLoop(e.getValue(), c, warmup, seconds));
      }
      System.out.printf("| %d | %,.0f%s | %,.0f%s | %,.0f%s | %.2f | %.2f |%n", c,
          r.get("direct")[0], errors(r.get("direct")[1]), r.get("nginx")[0], errors(r.get("nginx")[1]),
          r.get("gateway")[0], errors(r.get("gateway")[1]),
          r.get("gateway")[0] / r.get("direct")[0], r.get("gateway")[0] / r.get("nginx")[0]);
    }

    System.out.printf("%nLatency at fixed rates, open loop, %.0f s per run, from when each request was due (µs)%n", seconds);
    System.out.println("| rate | target | achieved req/s | p50 | p99 | p99.9 | max | errors | added p50 | added p99 |");
    System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int rate : rates) {
      LoadGenerator.Result direct = null;
      for (var e : targets.entrySet()) {
        LoadGenerator.Result r = new LoadGenerator(e.getValue().url(), e.getValue().headers()).openLoop(rate, connections, warmup, seconds);
        if (direct == null) {
          direct = r;
        }
        System.out.printf("| %,d | %s | %,.0f | %.0f | %.0f | %.0f | %.0f | %d | %s | %s |%n", rate, e.getKey(), r.perSecond(),
            r.percentile(50), r.percentile(99), r.percentile(99.9), r.percentile(100), r.errors(),
            e.getKey().equals("direct") ? "" : String.format("%+.0f", r.percentile(50) - direct.percentile(50)),
            e.getKey().equals("direct") ? "" : String.format("%+.0f", r.percentile(99) - direct.percentile(99)));
      }
    }

    System.out.printf("%nRevocation: %s%n", bench.revocationDelay(a.required("--gateway")));
    System.out.printf("load average at end: %s%n", Machine.loadAverage());
  }

  record Target(String url, Map<String, String> headers) {}

  /**
   * MCP through the Gateway against the same server direct (nginx answering fixed JSON-RPC
   * results at `/mcp` and a 100-tool `tools/list` at `/mcp-tools`): `tools/call` with an
   * argument rule at each rate, and `tools/list` filtered per caller at the lowest rate.
   */
  private void mcp(String upstream, String gateway, List<Integer> rates, int connections, double warmup, double seconds)
      throws Exception {
    String zone = zoneWithLoader("mcp-");
    List<Map<String, String>> tools = List.of(Map.of("name", "read_*", "scope", "mcp:read"), Map.of("name", "write_*", "scope", "mcp:write"));
    for (String name : List.of("bench-mcp", "bench-tools")) {
      call("PUT", "/admin/v1/zones/" + zone + "/resources", admin(), Map.of("id", "resource://" + name, "protocol", "mcp",
          "scopes", List.of("mcp:read", "mcp:write"), "tools", tools,
          "upstream", upstream + (name.equals("bench-mcp") ? "/mcp" : "/mcp-tools")));
    }
    String policy = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: mcp}
        spec:
          resources: ["resource://bench-mcp", "resource://bench-tools"]
          rules:
            - {name: reads, effect: allow, scopes: ["mcp:read"], when: "request.mcp.tool.startsWith('read_') && request.mcp.arguments.path.startsWith('/work/')"}
            - {name: writes, effect: allow, scopes: ["mcp:write"], when: "principal.name == 'loader'"}
            - {name: no-deletes, effect: deny, scopes: ["mcp:write"], when: "request.mcp.tool.startsWith('write_delete')"}
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: mcp}
        spec: {policies: [mcp]}
        """;
    call("POST", "/admin/v1/zones/" + zone + "/policies", admin(), Map.of("files", List.of(Map.of("name", "mcp.yaml", "content", policy))));
    call("POST", "/admin/v1/zones/" + zone + "/activate", admin(), Map.of("policy_set", "mcp"));
    Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json, text/event-stream");
    String callBody = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\","
        + "\"arguments\":{\"path\":\"/work/notes.txt\"}}}";
    String listBody = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}";
    Map<String, String> callAuth = new LinkedHashMap<>(json);
    callAuth.put("Authorization", "Bearer " + token(openSession(), "resource://bench-mcp", "mcp:read"));
    Map<String, String> listAuth = new LinkedHashMap<>(json);
    listAuth.put("Authorization", "Bearer " + token(openSession(), "resource://bench-tools", "mcp:read mcp:write"));
    Map<String, LoadGenerator> calls = new LinkedHashMap<>();
    calls.put("direct", new LoadGenerator(upstream + "/mcp", json, callBody));
    calls.put("gateway", new LoadGenerator(gateway + "/mcp/bench-mcp", callAuth, callBody));
    Map<String, LoadGenerator> lists = new LinkedHashMap<>();
    lists.put("direct", new LoadGenerator(upstream + "/mcp-tools", json, listBody));
    lists.put("gateway", new LoadGenerator(gateway + "/mcp/bench-tools", listAuth, listBody));
    checkMcp(gateway + "/mcp/bench-mcp", callAuth, callBody, "\"result\"");
    String listed = checkMcp(gateway + "/mcp/bench-tools", listAuth, listBody, "\"tools\"");
    int shown = JSON.readTree(listed).path("result").path("tools").size();

    System.out.printf("machine: %d cores (%s), %s, java %s%n", Runtime.getRuntime().availableProcessors(), Machine.cpu(),
        Machine.os(), Runtime.version());
    System.out.printf("load average at start: %s%n", Machine.loadAverage());
    calls.get("gateway").closedLoop(16, 0, Math.max(5, warmup * 3)); // the gateway's JIT warms up first
    lists.get("gateway").closedLoop(4, 0, Math.max(3, warmup));
    System.out.printf("%nMCP through the Gateway, open loop, %d connections, %.0f s per run, latency from when each request was due (µs)%n",
        connections, seconds);
    System.out.println("| message | rate | target | achieved req/s | p50 | p99 | errors | added p50 | added p99 |");
    System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for (int rate : rates) {
      report("tools/call (argument rule)", rate, calls, connections, warmup, seconds);
    }
    report("tools/list, 100 tools, " + shown + " shown", rates.get(0), lists, connections, warmup, seconds);
    System.out.printf("load average at end: %s%n", Machine.loadAverage());
  }

  private static void report(String message, int rate, Map<String, LoadGenerator> targets, int connections, double warmup,
      double seconds) throws IOException {
    LoadGenerator.Result direct = null;
    for (var e : targets.entrySet()) {
      LoadGenerator.Result r = e.getValue().openLoop(rate, connections, warmup, seconds);
      if (direct == null) {
        direct = r;
      }
      System.out.printf("| %s | %,d | %s | %,.0f | %.0f | %.0f | %d | %s | %s |%n", message, rate, e.getKey(), r.perSecond(),
          r.percentile(50), r.percentile(99), r.errors(),
          e.getKey().equals("direct") ? "" : String.format("%+.0f", r.percentile(50) - direct.percentile(50)),
          e.getKey().equals("direct") ? "" : String.format("%+.0f", r.percentile(99) - direct.percentile(99)));
    }
  }

  private String checkMcp(String url, Map<String, String> headers, String body, String expected) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 || !r.body().contains(expected)) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static double[] closedLoop(Target t, int concurrency, double warmup, double seconds) throws IOException {
    LoadGenerator.Result r = new LoadGenerator(t.url(), t.headers()).closedLoop(concurrency, warmup, seconds);
    return new double[] {r.perSecond(), r.errors()};
  }

  private static String errors(double n) {
    return n > 0 ? String.format(" (%.0f errors)", n) : "";
  }

  // setup through the admin API and the STS

  private void setUp(String upstream) throws Exception {
    String zone = zoneWithLoader("bench-");
    call("PUT", "/admin/v1/zones/" + zone + "/resources", admin(), Map.of("id", RESOURCE, "scopes", List.of("bench:read", "bench:write"),
        "upstream", upstream));
    String policy = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: bench}
        spec:
          resources: ["resource://bench-api"]
          rules:
            - {name: reads, effect: allow, scopes: ["bench:read"], when: "request.method == 'GET' && principal.name == 'loader'"}
            - {name: no-deep, effect: deny, scopes: ["*"], when: "delegation.depth > 2"}
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: bench}
        spec: {policies: [bench]}
        """;
    call("POST", "/admin/v1/zones/" + zone + "/policies", admin(), Map.of("files", List.of(Map.of("name", "bench.yaml", "content", policy))));
    call("POST", "/admin/v1/zones/" + zone + "/activate", admin(), Map.of("policy_set", "bench"));
  }

  /** A new zone with the app `loader`, whose credentials the calls that follow use. */
  private String zoneWithLoader(String prefix) throws Exception {
    String zone = prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    call("POST", "/admin/v1/zones", admin(), Map.of("name", zone));
    JsonNode app = call("POST", "/admin/v1/zones/" + zone + "/apps", admin(), Map.of("name", "loader"));
    basic = "Basic " + Base64.getEncoder().encodeToString(
        (app.get("id").asText() + ":" + app.get("client_secret").asText()).getBytes(StandardCharsets.UTF_8));
    return zone;
  }

  private JsonNode openSession() throws Exception {
    return call("POST", "/v1/sessions", basic, Map.of("ttl_seconds", 3600));
  }

  private String token(JsonNode session) throws Exception {
    return token(session, RESOURCE, "bench:read");
  }

  private String token(JsonNode session, String resource, String scope) throws Exception {
    String sessionToken = session.get("session_token").asText();
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange") + "&subject_token=" + enc(sessionToken)
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:jwt") + "&resource=" + enc(resource) + "&scope=" + enc(scope);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sts + "/oauth2/token")).header("Authorization", basic)
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("token exchange -> " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  private void check(String name, Target t) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.url()));
    t.headers().forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(name + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  /** Requests back to back with one token while its session is ended: how long until the first 401. */
  private String revocationDelay(String gateway) throws Exception {
    JsonNode session = openSession();
    String token = token(session);
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + PATH)).header("Authorization", "Bearer " + token)
        .header("X-Caracal-Resource", RESOURCE).build();
    long[] refusedAt = {0};
    int[] allowedAfter = {0};
    long[] deleteReturned = {Long.MAX_VALUE};
    Thread caller = new Thread(() -> {
      try {
        while (true) {
          HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 401) {
            refusedAt[0] = System.nanoTime();
            return;
          }
          if (System.nanoTime() > deleteReturned[0]) {
            allowedAfter[0]++;
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    caller.start();
    Thread.sleep(500);
    long before = System.nanoTime();
    HttpResponse<String> ended = http.send(HttpRequest.newBuilder(URI.create(sts + "/v1/sessions/" + session.get("session_id").asText()))
        .header("Authorization", basic).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    deleteReturned[0] = System.nanoTime();
    caller.join(10_000);
    if (ended.statusCode() != 200 || refusedAt[0] == 0) {
      return "not measured (session end -> " + ended.statusCode() + ")";
    }
    return String.format("first 401 %.1f ms after the session-end call was sent (%.1f ms after it returned); "
        + "%d requests were allowed after it returned", (refusedAt[0] - before) / 1e6, Math.max(0, refusedAt[0] - deleteReturned[0]) / 1e6,
        allowedAfter[0]);
  }

  private String admin() {
    return "Bearer " + admin;
  }

  private JsonNode call(String method, String path, String authorization, Object body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sts + path)).header("Authorization", authorization)
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + path + " -> " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** `--name value` arguments. */
  private record Args(String[] args) {
    Optional<String> value(String name) {
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals(name)) {
          return Optional.of(args[i + 1]);
        }
      }
      return Optional.empty();
    }

    String required(String name) {
      return value(name).orElseThrow(() -> new IllegalArgumentException("missing " + name));
    }

    double number(String name, double fallback) {
      return value(name).map(Double::parseDouble).orElse(fallback);
    }

    List<Integer> list(String name, String fallback) {
      List<Integer> out = new ArrayList<>();
      for (String s : value(name).orElse(fallback).split(",")) {
        out.add(Integer.parseInt(s.trim()));
      }
      return out;
    }
  }
}
