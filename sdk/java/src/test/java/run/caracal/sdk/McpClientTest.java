package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientAuthorizationErrorHandler;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Java MCP SDK's client ({@code McpSyncClient} over {@code HttpClientStreamableHttpTransport})
 * through the real Gateway to an MCP resource, its tokens from {@link McpAuthorization}; see
 * {@link Stack} and {@link McpUpstream}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpClientTest {
  private static final String FILES = "resource://files";
  private static final String UPSTREAM_SECRET = "upstream-secret-of-the-files-server";
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: files, description: Agents read the workspace and write but never delete}
      spec:
        resources: ["resource://files"]
        rules:
          - name: reads-in-workspace
            effect: allow
            scopes: ["files:read"]
            when: "request.mcp.tool == 'read_file' && request.mcp.arguments.path.startsWith('/work/')"
          - name: writes
            effect: allow
            scopes: ["files:write"]
            when: "request.mcp.tool == 'write_file'"
          - name: never-delete
            effect: deny
            scopes: ["*"]
            when: "request.mcp.tool == 'delete_file'"
            reason: agents never delete files
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: files}
      spec: {policies: [files]}
      """;

  private Stack stack;
  private McpUpstream mcp;
  private Path profile;

  @BeforeAll
  void start() throws Exception {
    String skip = Stack.unavailable();
    if (skip != null) System.out.println("# " + skip);
    assumeTrue(skip == null, skip);
    mcp = new McpUpstream();
    stack = Stack.start();
    profile = stack.setup("sdk-java-mcp", "mcp-agent", FILES, "files:read,files:write", mcp.url());
    String zone = Profile.load(profile).zoneId();
    Path credential = stack.work.resolve("files.credential");
    Files.writeString(credential, UPSTREAM_SECRET + "\n");
    stack.cli("resource", "update", "--zone", zone, "--id", FILES, "--scopes", "files:read,files:write", "--upstream", mcp.url(),
        "--protocol", "mcp", "--tool", "read_*=files:read", "--tool", "write_file=files:write", "--tool", "delete_file=files:write",
        "--credential-file", credential.toString());
    var body = Json.MAPPER.createObjectNode();
    var file = body.putArray("files").addObject();
    file.put("name", "files.yaml");
    file.put("content", POLICY);
    stack.admin("POST", "/admin/v1/zones/" + zone + "/policies", body.toString());
    stack.admin("POST", "/admin/v1/zones/" + zone + "/activate", "{\"policy_set\":\"files\"}");
  }

  @AfterAll
  void stop() {
    if (stack != null) stack.close();
    if (mcp != null) mcp.close();
  }

  /** An MCP client whose every request carries a token of {@code files}' session; records the tokens sent. */
  private static McpSyncClient client(McpAuthorization files, Set<String> sent) {
    var transport = HttpClientStreamableHttpTransport.builder(files.baseUrl())
        .endpoint(files.path())
        .httpRequestCustomizer((request, method, uri, body, context) -> {
          files.customize(request);
          request.build().headers().firstValue("Authorization").ifPresent(sent::add);
        })
        .authorizationErrorHandler(McpHttpClientAuthorizationErrorHandler.fromSync((response, context) -> files.renew(response.statusCode())))
        .build();
    McpSyncClient client = McpClient.sync(transport).clientInfo(new McpSchema.Implementation("caracal-java-test", "1.0.0"))
        .requestTimeout(Duration.ofSeconds(20)).build();
    client.initialize();
    return client;
  }

  @Test
  void mcpEndpoint_isTheGatewaysPathForTheResource() throws Exception {
    Caracal caracal = Caracal.fromProfile(profile);
    caracal.spawn(session -> {
      McpAuthorization files = caracal.mcp(FILES);
      assertEquals(stack.gatewayUrl + "/mcp/files", files.endpoint().toString());
      assertThrows(ConfigException.class, () -> caracal.mcp("https://files.example"));
    });
  }

  @Test
  void javaMcpClient_listsOnlyCallableTools_callsThroughTheGateway_andIsRefusedWithReasonAndRequestId() throws Exception {
    Caracal caracal = Caracal.fromProfile(profile);
    Set<String> sent = ConcurrentHashMap.newKeySet();
    int from = mcp.received.size();
    caracal.spawn(session -> {
      McpSyncClient client = client(caracal.mcp(FILES), sent);
      try {
        List<String> tools = client.listTools().tools().stream().map(McpSchema.Tool::name).sorted().toList();
        assertEquals(List.of("read_file", "write_file"), tools, "delete_file is always denied, search is not declared");

        McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("read_file", Map.of("path", "/work/notes.txt")));
        assertEquals("read_file ran on /work/notes.txt", ((McpSchema.TextContent) read.content().get(0)).text());

        McpError denied = assertThrows(McpError.class,
            () -> client.callTool(new McpSchema.CallToolRequest("read_file", Map.of("path", "/etc/passwd"))));
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) denied.getJsonRpcError().data();
        assertEquals("no_matching_rule", data.get("reason"));
        assertTrue(String.valueOf(data.get("request_id")).startsWith("req_"), String.valueOf(data));

        McpError undeclared = assertThrows(McpError.class,
            () -> client.callTool(new McpSchema.CallToolRequest("search", Map.of("path", "/work"))));
        assertEquals("tool_not_declared", ((Map<?, ?>) undeclared.getJsonRpcError().data()).get("reason"));
        client.ping();
      } finally {
        client.closeGracefully();
      }
    });
    assertEquals(List.of("read_file /work/notes.txt"), mcp.toolCalls, "only the allowed call reached the server");
    List<McpUpstream.Received> received = mcp.received.subList(from, mcp.received.size());
    assertTrue(received.stream().allMatch(r -> ("Bearer " + UPSTREAM_SECRET).equals(r.authorization())),
        "the server sees the resource's credential, never the client's token");
    assertTrue(sent.stream().allMatch(token -> token.startsWith("Bearer ey")), "the client sent Caracal tokens: " + sent);
    assertTrue(received.stream().filter(r -> r.method().equals("POST")).skip(1).allMatch(r -> mcp.sessionId.equals(r.sessionId())),
        "the MCP session passes through the Gateway");
  }

  @Test
  void renew_on401_getsANewToken_andOtherwiseDoesNot() throws Exception {
    Caracal caracal = Caracal.fromProfile(profile);
    caracal.spawn(session -> {
      McpAuthorization files = caracal.mcp(FILES);
      String first = files.authorization();
      assertEquals(first, files.authorization(), "a token is reused while fresh");
      assertEquals(false, files.renew(403));
      assertTrue(files.renew(401));
      assertTrue(!first.equals(files.authorization()), "renew replaced the token");
    });
  }

  @Test
  void theExampleMcpAgentRuns() throws Exception {
    Path agent = Stack.REPO.resolve("examples/agents/java/McpAgent.java");
    String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator + System.getProperty("java.class.path");
    ProcessBuilder pb = new ProcessBuilder(stack.java, "-cp", classpath, agent.toString());
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_"));
    pb.environment().putAll(Map.of("CARACAL_CONFIG", profile.toString(), "CARACAL_MCP_PATH", "/work/todo.txt"));
    String out = Stack.run(pb, "the example MCP agent");
    assertEquals("tools: read_file, write_file\nread_file ran on /work/todo.txt\n", out);
  }
}
