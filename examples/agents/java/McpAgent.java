import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientAuthorizationErrorHandler;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import java.util.stream.Collectors;
import run.caracal.sdk.AgentSession;
import run.caracal.sdk.Caracal;
import run.caracal.sdk.McpAuthorization;

/** Calls an MCP server through the Caracal Gateway with the Java MCP SDK's client. */
public class McpAgent {
  public static void main(String[] args) {
    Caracal caracal = Caracal.create();
    String resourceId = System.getenv().getOrDefault("CARACAL_MCP_RESOURCE", "resource://files");
    String path = System.getenv().getOrDefault("CARACAL_MCP_PATH", "/work/notes.txt");

    int status = 0;
    try (AgentSession session = caracal.spawn()) {
      McpAuthorization files = caracal.mcp(resourceId); // {gateway}/mcp/files, tokens of this session
      var transport = HttpClientStreamableHttpTransport.builder(files.baseUrl())
          .endpoint(files.path())
          .httpRequestCustomizer((request, method, uri, body, context) -> files.customize(request))
          .authorizationErrorHandler(McpHttpClientAuthorizationErrorHandler.fromSync(
              (response, context) -> files.renew(response.statusCode())))
          .build();
      McpSyncClient client = McpClient.sync(transport)
          .clientInfo(new McpSchema.Implementation("caracal-example-mcp-agent", "1.0.0")).build();
      try {
        client.initialize();
        System.out.println("tools: " + client.listTools().tools().stream().map(McpSchema.Tool::name).collect(Collectors.joining(", ")));
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("read_file", Map.of("path", path)));
        System.out.println(((McpSchema.TextContent) result.content().get(0)).text());
      } catch (McpError e) {
        if (!(e.getJsonRpcError().data() instanceof Map<?, ?> data) || data.get("request_id") == null) throw e;
        // refused by policy: the request id explains it
        System.out.println("refused: " + data.get("reason") + " (caracal explain " + data.get("request_id") + ")");
        status = 1;
      } finally {
        client.closeGracefully();
      }
    }
    if (status != 0) System.exit(status);
  }
}
