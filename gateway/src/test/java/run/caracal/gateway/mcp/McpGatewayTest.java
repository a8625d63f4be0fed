package run.caracal.gateway.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.decision.DecisionRecord;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.gateway.GatewayFixture;
import run.caracal.gateway.proxy.GatewayServer;
import run.caracal.gateway.proxy.GatewaySettings;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.source.SourceFile;

/**
 * MCP through a real Gateway on loopback: a small MCP server (JSON and SSE answers) behind the
 * resource `resource://files`, a JDK HTTP client in front. The official SDKs are exercised
 * against the full server in the SDK suite; this pins the Gateway's own behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILES = "resource://files";
  private static final String POLICIES = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: files}
      spec: {id: "resource://files", scopes: [files:read, files:write]}
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: files}
      spec:
        resources: ["resource://files"]
        rules:
          - name: reads-in-workspace
            effect: allow
            scopes: [files:read]
            when: request.mcp.tool.startsWith('read_') && request.mcp.arguments.path.startsWith('/work/')
          - name: prompts
            effect: allow
            scopes: [files:read]
            when: request.mcp.method == 'prompts/get' && request.mcp.prompt != 'secret'
          - name: writes
            effect: allow
            scopes: [files:write]
            when: request.mcp.tool == 'write_file'
          - name: never-delete
            effect: deny
            scopes: [files:write]
            when: request.mcp.tool == 'delete_file'
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: prod}
      spec: {policies: [files]}
      """;

  @TempDir static Path keys;
  private final GatewayFixture f = new GatewayFixture();
  private final List<Map<String, String>> upstreamHeaders = new CopyOnWriteArrayList<>();
  private final List<JsonNode> upstreamBodies = new CopyOnWriteArrayList<>();
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer mcp;
  private Ledger ledger;
  private GatewayServer gateway;

  @BeforeEach
  void forget() {
    upstreamHeaders.clear();
    upstreamBodies.clear();
  }

  @BeforeAll
  void start() throws Exception {
    mcp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    mcp.createContext("/mcp", this::serve);
    mcp.start();
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("files.yaml", POLICIES)));
    assertFalse(bundle.hasErrors(), bundle.diagnostics().toString());
    f.reads.put(new ResourceBinding(GatewayFixture.ZONE, FILES, List.of("files:read", "files:write"), List.of(), Map.of(),
            Optional.of("http://127.0.0.1:" + mcp.getAddress().getPort() + "/mcp"), List.of(), Optional.empty(),
            Optional.of(new ResourceBinding.Mcp(List.of(new ResourceBinding.Tool("read_*", "files:read", null),
                new ResourceBinding.Tool("write_file", "files:write", null), new ResourceBinding.Tool("delete_file", "files:write", null)),
                List.of("token"), 0)),
            true, GatewayFixture.NOW, GatewayFixture.NOW))
        .credential(GatewayFixture.ZONE, FILES, "Bearer upstream-secret")
        .put(new ZonePolicies(GatewayFixture.ZONE, Optional.of(LocalPolicySet.compile(bundle, "prod")), Optional.empty()));
    ledger = Ledger.open(LedgerConfig.dataSource(f.dataSource, keys));
    gateway = GatewayServer.start("127.0.0.1", 0, f.authorizer, ledger, GatewaySettings.DEFAULTS);
  }

  @AfterAll
  void stop() {
    gateway.close();
    ledger.close();
    mcp.stop(0);
  }

  /** The MCP server: JSON answers, an SSE answer for prompts/list and read_stream, 202 for notifications. */
  private void serve(HttpExchange exchange) throws IOException {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
    upstreamHeaders.add(headers);
    JsonNode message = JSON.readTree(exchange.getRequestBody());
    upstreamBodies.add(message);
    String method = message.path("method").asText();
    if (!message.has("id")) {
      exchange.sendResponseHeaders(202, -1);
      exchange.close();
      return;
    }
    String id = message.get("id").toString();
    String result = switch (method) {
      case "initialize" -> "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"t\",\"version\":\"1\"}}";
      case "tools/list" -> "{\"tools\":[{\"name\":\"read_file\",\"inputSchema\":{\"type\":\"object\"}},"
          + "{\"name\":\"write_file\",\"inputSchema\":{\"type\":\"object\"}},{\"name\":\"delete_file\",\"inputSchema\":{\"type\":\"object\"}},"
          + "{\"name\":\"search\",\"inputSchema\":{\"type\":\"object\"}}],\"nextCursor\":\"page-2\"}";
      case "prompts/list" -> "{\"prompts\":[{\"name\":\"summarize\"},{\"name\":\"secret\"}]}";
      default -> "{\"content\":[{\"type\":\"text\",\"text\":" + JSON.writeValueAsString(message.path("params").toString()) + "}]}";
    };
    String response = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
    boolean sse = method.equals("prompts/list") || message.path("params").path("name").asText().equals("read_stream");
    byte[] body = (sse ? "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"
        + "event: message\ndata: " + response + "\n\n" : response).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", sse ? "text/event-stream" : "application/json");
    if (method.equals("initialize")) {
      exchange.getResponseHeaders().set("Mcp-Session-Id", "session-42");
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private HttpResponse<String> post(String scopes, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/mcp/files"))
        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (scopes != null) {
      request.header("Authorization", "Bearer " + f.token(FILES, scopes));
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String call(String tool, String arguments) {
    return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}";
  }

  @Test
  void toolsList_isFilteredPerCaller_keepingTheCursor() throws Exception {
    HttpResponse<String> r = post("files:read files:write", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");

    assertEquals(200, r.statusCode(), r.body());
    JsonNode result = JSON.readTree(r.body()).path("result");
    List<String> names = result.path("tools").findValuesAsText("name");
    assertEquals(List.of("read_file", "write_file"), names, "delete_file is always denied, search is not declared");
    assertEquals("page-2", result.path("nextCursor").asText());
    assertEquals(String.valueOf(r.body().length()), r.headers().firstValue("content-length").orElseThrow());

    HttpResponse<String> readOnly = post("files:read", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    assertEquals(List.of("read_file"), JSON.readTree(readOnly.body()).path("result").path("tools").findValuesAsText("name"));
  }

  @Test
  void sseListAnswer_isFilteredEventByEvent() throws Exception {
    HttpResponse<String> r = post("files:read", "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"prompts/list\"}");

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    assertTrue(r.body().contains("notifications/progress"), "other events pass unchanged: " + r.body());
    assertTrue(r.body().contains("\"summarize\"") && !r.body().contains("\"secret\""), r.body());
  }

  @Test
  void allowedCall_isForwardedWithTheResourcesCredentialNotTheClientsToken() throws Exception {
    HttpResponse<String> r = post("files:read", call("read_file", "{\"path\":\"/work/a.txt\"}"));

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).path("result").path("content").get(0).path("text").asText().contains("/work/a.txt"));
    assertEquals("Bearer upstream-secret", upstreamHeaders.get(0).get("authorization"));
    DecisionRecord record = f.log.last();
    assertTrue(record.allowed());
    assertEquals("read_file", record.input().orElseThrow().tree().path("request").path("mcp").path("tool").asText());
  }

  @Test
  void callDeniedByItsArguments_isAJsonRpcErrorWithReasonAndRequestId_andNotForwarded() throws Exception {
    HttpResponse<String> r = post("files:read", call("read_file", "{\"path\":\"/etc/passwd\",\"token\":\"s3cret\"}"));

    assertEquals(200, r.statusCode(), r.body());
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertEquals(7, JSON.readTree(r.body()).path("id").asInt());
    assertEquals(McpMessage.FORBIDDEN, error.path("code").asInt());
    assertEquals("no_matching_rule", error.path("data").path("reason").asText());
    String requestId = error.path("data").path("request_id").asText();
    assertEquals(requestId, r.headers().firstValue("x-caracal-request-id").orElseThrow());
    assertTrue(upstreamBodies.isEmpty(), "nothing reached the MCP server");
    DecisionRecord record = f.log.last();
    assertEquals(requestId, record.requestId());
    assertEquals(200, record.refusal().orElseThrow().status(), "the record says what the client got");
    JsonNode arguments = record.input().orElseThrow().tree().path("request").path("mcp").path("arguments");
    assertEquals("/etc/passwd", arguments.path("path").asText());
    assertTrue(arguments.path("token").asText().startsWith("hmac:"), "a masked argument is fingerprinted: " + arguments);
    assertFalse(record.input().orElseThrow().json().contains("s3cret"));
  }

  @Test
  void undeclaredTool_andAlwaysDeniedTool_areRefusedAsJsonRpcErrors() throws Exception {
    JsonNode search = JSON.readTree(post("files:read files:write", call("search", "{}")).body()).path("error");
    JsonNode delete = JSON.readTree(post("files:read files:write", call("delete_file", "{\"path\":\"/work/a\"}")).body()).path("error");

    assertEquals("tool_not_declared", search.path("data").path("reason").asText());
    assertEquals("denied_by_rule", delete.path("data").path("reason").asText());
    assertTrue(upstreamBodies.isEmpty());
  }

  @Test
  void declaredToolWhoseScopeTheTokenLacks_is403InsufficientScope() throws Exception {
    HttpResponse<String> r = post("files:read", call("write_file", "{\"path\":\"/work/a\"}"));

    assertEquals(403, r.statusCode());
    String challenge = r.headers().firstValue("www-authenticate").orElseThrow();
    assertTrue(challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"files:write\""), challenge);
    assertEquals("scope_not_in_token", JSON.readTree(r.body()).path("error").path("data").path("reason").asText());
    assertEquals(403, f.log.last().refusal().orElseThrow().status());
  }

  @Test
  void noToken_401PointsAtTheResourceMetadata_whichNamesTheSts() throws Exception {
    HttpResponse<String> r = post(null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");

    assertEquals(401, r.statusCode());
    String challenge = r.headers().firstValue("www-authenticate").orElseThrow();
    String metadataUrl = "http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp/files";
    assertTrue(challenge.contains("resource_metadata=\"" + metadataUrl + "\""), challenge);
    HttpResponse<String> metadata = client.send(HttpRequest.newBuilder(URI.create(metadataUrl)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metadata.statusCode());
    JsonNode m = JSON.readTree(metadata.body());
    assertEquals("http://127.0.0.1:" + gateway.port() + "/mcp/files", m.path("resource").asText());
    assertEquals(GatewayFixture.ISSUER, m.path("authorization_servers").get(0).asText());
  }

  @Test
  void plumbing_needsOnlyAValidToken_andSessionsPassThrough() throws Exception {
    HttpResponse<String> init = post("files:read", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
        + "{\"protocolVersion\":\"2025-06-18\",\"clientInfo\":{\"name\":\"agent\",\"version\":\"2\"}}}");
    HttpResponse<String> notification = post("files:read", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "Mcp-Session-Id", "session-42");

    assertEquals(200, init.statusCode(), init.body());
    assertEquals("session-42", init.headers().firstValue("mcp-session-id").orElseThrow());
    String requestId = init.headers().firstValue("x-caracal-request-id").orElseThrow();
    DecisionRecord record = f.log.records().stream().filter(d -> d.requestId().equals(requestId)).findFirst().orElseThrow();
    assertEquals("agent", record.input().orElseThrow().tree().path("request").path("mcp").path("client").path("name").asText());
    assertEquals(List.of("mcp_plumbing"), record.decision().orElseThrow().reasons().stream().map(c -> c.id()).toList());
    assertEquals(202, notification.statusCode());
    assertEquals("session-42", upstreamHeaders.get(1).get("mcp-session-id"));
  }

  @Test
  void sseCallAnswer_streamsBack() throws Exception {
    HttpResponse<String> r = post("files:read", call("read_stream", "{\"path\":\"/work/log\"}"));

    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("notifications/progress") && r.body().contains("\"result\""), r.body());
  }

  @Test
  void batch_isRefusedWithAJsonRpcError() throws Exception {
    HttpResponse<String> r = post("files:read", "[" + call("read_file", "{\"path\":\"/work/a\"}") + "]");

    assertEquals(400, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertEquals(McpMessage.INVALID_REQUEST, body.path("error").path("code").asInt());
    assertEquals("mcp_batch_unsupported", body.path("error").path("data").path("reason").asText());
    assertTrue(body.has("id") && body.get("id").isNull());
    assertTrue(upstreamBodies.isEmpty());
  }

  @Test
  void revision20260728_mirroredHeadersMustMatchTheBody() throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\","
        + "\"arguments\":{\"path\":\"/work/a\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}";

    HttpResponse<String> missing = post("files:read", body);
    HttpResponse<String> lying = post("files:read", body, "Mcp-Method", "tools/call", "Mcp-Name", "read_other");
    HttpResponse<String> honest = post("files:read", body, "Mcp-Method", "tools/call", "Mcp-Name", "read_file");

    assertEquals(400, missing.statusCode());
    assertEquals(McpMessage.HEADER_MISMATCH, JSON.readTree(missing.body()).path("error").path("code").asInt());
    assertEquals(400, lying.statusCode());
    assertEquals("mcp_header_mismatch", JSON.readTree(lying.body()).path("error").path("data").path("reason").asText());
    assertEquals(200, honest.statusCode(), honest.body());
    assertEquals(1, upstreamBodies.size());
  }

  @Test
  void pipelinedCallsOnOneConnection_eachGetItsAnswer() throws Exception {
    String body = call("read_file", "{\"path\":\"/work/a\"}");
    String request = "POST /mcp/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer "
        + f.token(FILES, "files:read") + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write((request + request).getBytes(StandardCharsets.UTF_8));
      InputStream in = socket.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buffer = new byte[8192];
      while (got.toString().split("HTTP/1.1 200").length < 3) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        got.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      }
      assertEquals(3, got.toString().split("HTTP/1.1 200").length, got.toString());
    }
  }

  @Test
  void notJson_isAParseError() throws Exception {
    HttpResponse<String> r = post("files:read", "{not json");

    assertEquals(400, r.statusCode());
    assertEquals(McpMessage.PARSE_ERROR, JSON.readTree(r.body()).path("error").path("code").asInt());
    assertEquals(400, f.log.last().refusal().orElseThrow().status());
  }
}
