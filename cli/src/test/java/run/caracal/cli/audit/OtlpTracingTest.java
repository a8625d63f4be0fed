package run.caracal.cli.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.admin.AdminClient;
import run.caracal.server.CaracalServer;
import run.caracal.server.ServerSettings;
import run.caracal.server.home.CaracalHome;

/**
 * OpenTelemetry traces end to end, in process: a server (control, STS, Gateway) configured by the
 * standard `otel.*` settings to export over OTLP/HTTP to a receiver in this test, which decodes
 * each `ExportTraceServiceRequest` with the `opentelemetry-proto` classes. A caller's
 * `traceparent` joins the STS and the Gateway spans in its trace; the trace id is the one
 * `caracal explain` shows for the request.
 */
class OtlpTracingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing}
      spec:
        resources: ["resource://billing-api"]
        rules:
          - name: reads
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

  @TempDir static Path home;
  static HttpServer collector;
  static HttpServer upstream;
  static CaracalServer server;
  static AdminClient admin;
  static final List<Span> spans = new CopyOnWriteArrayList<>();
  static final List<Resource> resources = new CopyOnWriteArrayList<>();
  static final Map<String, String> upstreamTraceparents = new ConcurrentHashMap<>();
  static String appId;
  static String secret;

  @BeforeAll
  static void start() throws Exception {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", exchange -> {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
      for (ResourceSpans rs : request.getResourceSpansList()) {
        resources.add(rs.getResource());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          spans.addAll(ss.getSpansList());
        }
      }
      byte[] out = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    collector.start();
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      upstreamTraceparents.put(exchange.getRequestHeaders().getFirst("X-Request-Id"),
          exchange.getRequestHeaders().getFirst("traceparent"));
      byte[] out = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    upstream.start();
    // the SDK reads its settings (system properties over OTEL_* variables) once, at server start
    Map<String, String> otel = Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
        "otel.bsp.schedule.delay", "50");
    otel.forEach(System::setProperty);
    try {
      server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
          "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    } finally {
      otel.keySet().forEach(System::clearProperty);
    }
    admin = new AdminClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    admin.post("/admin/v1/zones", Map.of("name", "prod"));
    JsonNode app = admin.post("/admin/v1/zones/prod/apps", Map.of("name", "agent"));
    appId = app.get("id").asText();
    secret = app.get("client_secret").asText();
    admin.put("/admin/v1/zones/prod/resources", Map.of("id", "resource://billing-api", "scopes", List.of("billing:read", "billing:refund"),
        "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
    admin.post("/admin/v1/zones/prod/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", POLICY))));
    admin.post("/admin/v1/zones/prod/activate", Map.of("policy_set", "production"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    upstream.stop(0);
    collector.stop(0);
  }

  @Test
  void sdkCallWithTraceparent_stsAndGatewaySpansJoinTheCallersTrace_andExplainShowsIt() throws Exception {
    String traceId = hex(16);
    String callerSpan = hex(8);
    String traceparent = "00-" + traceId + "-" + callerSpan + "-01";
    List<String> probes = List.of(probe(server.stsUrl() + "/health"), probe(server.gatewayUrl().orElseThrow() + "/.caracal/health"));
    HttpResponse<String> session = HTTP.send(HttpRequest.newBuilder(URI.create(server.stsUrl() + "/v1/sessions"))
        .header("Authorization", basic()).header("Content-Type", "application/json").header("traceparent", traceparent)
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, session.statusCode(), session.body());
    String sessionToken = JSON.readTree(session.body()).get("session_token").asText();
    HttpResponse<String> issued = token(sessionToken, "billing:read", Optional.of(traceparent));
    assertEquals(200, issued.statusCode(), issued.body());
    String stsRequest = issued.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    String accessToken = JSON.readTree(issued.body()).get("access_token").asText();

    HttpResponse<String> call = HTTP.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl().orElseThrow() + "/v1/invoices"))
        .header("Authorization", "Bearer " + accessToken).header("X-Caracal-Resource", "resource://billing-api")
        .header("traceparent", traceparent).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, call.statusCode(), call.body());
    String gatewayRequest = call.headers().firstValue("X-Caracal-Request-Id").orElseThrow();

    Span sts = serverSpan(stsRequest);
    Span gateway = serverSpan(gatewayRequest);
    assertEquals("sts POST /oauth2/token", sts.getName());
    assertEquals("gateway GET", gateway.getName());
    // both continue the caller's span, in its trace
    for (Span s : List.of(sts, gateway)) {
      assertEquals(traceId, hex(s.getTraceId().toByteArray()));
      assertEquals(callerSpan, hex(s.getParentSpanId().toByteArray()));
      assertEquals(Span.SpanKind.SPAN_KIND_SERVER, s.getKind());
    }
    assertEquals(Set.of("caracal.token.verify", "caracal.decision"), childNames(sts));
    assertEquals(Set.of("caracal.token.verify", "caracal.decision", "caracal.upstream"), childNames(gateway));
    for (Span server : List.of(sts, gateway)) {
      Span decision = child(server, "caracal.decision");
      assertEquals(Set.of("caracal.ledger.append"), childNames(decision));
      assertEquals("allow", attribute(decision, "caracal.decision"));
      assertEquals("production", attribute(decision, "caracal.policy_set"));
      assertEquals("1", attribute(decision, "caracal.policy_set.version"));
    }
    assertEquals(Map.of("caracal.request_id", gatewayRequest, "caracal.app", appId, "caracal.resource", "resource://billing-api",
        "caracal.scopes", "[billing:read]", "caracal.decision", "allow", "caracal.reason", "allowed_by_rule",
        "caracal.policy_set.version", "1", "http.response.status_code", "200"),
        attributes(gateway, "caracal.request_id", "caracal.app", "caracal.resource", "caracal.scopes", "caracal.decision",
            "caracal.reason", "caracal.policy_set.version", "http.response.status_code"));
    assertEquals(stsRequest, attribute(sts, "caracal.request_id"));
    // the upstream continues the trace under the upstream call's span
    Span upstreamCall = child(gateway, "caracal.upstream");
    assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, upstreamCall.getKind());
    assertEquals("00-" + traceId + "-" + hex(upstreamCall.getSpanId().toByteArray()) + "-01", upstreamTraceparents.get(gatewayRequest));
    assertEquals("caracal", resources.get(0).getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
        .findFirst().orElseThrow().getValue().getStringValue());
    // no token or secret in any attribute
    for (Span s : spans) {
      for (KeyValue kv : s.getAttributesList()) {
        String value = kv.getValue().toString();
        for (String secretValue : List.of(accessToken, sessionToken, secret)) {
          assertFalse(value.contains(secretValue), s.getName() + " " + kv.getKey());
        }
      }
    }
    // probes are not traced (spans are exported in order: theirs would have come before)
    assertTrue(spans.stream().map(s -> attribute(s, "caracal.request_id")).noneMatch(id -> id != null && probes.contains(id)));
    assertEquals(traceId, explainedTrace(gatewayRequest));
    assertEquals(traceId, explainedTrace(stsRequest));
  }

  @Test
  void deniedTokenRequestWithoutTraceparent_newTraceIsTheRecordsTrace() throws Exception {
    HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(server.stsUrl() + "/oauth2/token"))
        .header("Authorization", basic()).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials",
            "resource", "resource://billing-api", "scope", "billing:refund")))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, refused.statusCode(), refused.body());
    String requestId = refused.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
    Span sts = serverSpan(requestId);
    assertTrue(sts.getParentSpanId().isEmpty(), "a root span");
    assertEquals("deny", attribute(sts, "caracal.decision"));
    assertEquals("403", attribute(sts, "http.response.status_code"));
    assertEquals(hex(sts.getTraceId().toByteArray()), explainedTrace(requestId));
  }

  /** The request id of a health probe. */
  private static String probe(String url) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("traceparent", "00-" + hex(16) + "-" + hex(8) + "-01")
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("X-Caracal-Request-Id").orElseThrow();
  }

  /** The trace id in `caracal explain REQUEST_ID`'s text. */
  private static String explainedTrace(String requestId) {
    LedgerApi api = new LedgerApi(admin);
    JsonNode found = api.request(requestId).orElseThrow();
    List<String> lines = new ExplainText(Explanations.report(api, requestId, found), api::session, api::zone).render();
    String line = lines.stream().filter(l -> l.startsWith("trace:")).findFirst().orElseThrow(() -> new AssertionError(lines));
    return line.substring("trace:".length()).strip();
  }

  private static HttpResponse<String> token(String sessionToken, String scope, Optional<String> traceparent) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.stsUrl() + "/oauth2/token"))
        .header("Authorization", basic()).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
            "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token", sessionToken,
            "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", "resource://billing-api", "scope", scope))));
    traceparent.ifPresent(tp -> b.header("traceparent", tp));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The server span of a request, once exported (spans are batched every 50 ms). */
  private static Span serverSpan(String requestId) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      Optional<Span> found = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
          && requestId.equals(attribute(s, "caracal.request_id"))).findFirst();
      // children end before their server span, so they were exported with it or before
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no server span for " + requestId + " among " + spans.stream().map(Span::getName).toList());
  }

  private static Set<String> childNames(Span parent) {
    return spans.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).map(Span::getName)
        .collect(Collectors.toSet());
  }

  private static Span child(Span parent, String name) {
    return spans.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId()) && s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " under " + parent.getName()));
  }

  private static String attribute(Span span, String key) {
    return span.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst().map(a -> {
      var v = a.getValue();
      return switch (v.getValueCase()) {
        case STRING_VALUE -> v.getStringValue();
        case INT_VALUE -> Long.toString(v.getIntValue());
        case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(x -> x.getStringValue()).toList().toString();
        default -> v.toString();
      };
    }).orElse(null);
  }

  private static Map<String, String> attributes(Span span, String... keys) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : keys) {
      String v = attribute(span, k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }

  private static String basic() {
    return "Basic " + Base64.getEncoder().encodeToString((appId + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String form(Map<String, String> params) {
    return params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
