package run.caracal.cli.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import run.caracal.cli.UsageException;

/** {@link McpToolList} against a small MCP server speaking JSON or SSE, and against things that are not MCP servers. */
final class McpToolListTest {
  private static final String PATH_SCHEMA = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}";

  private static Map<String, String> threeTools() {
    Map<String, String> tools = new LinkedHashMap<>();
    tools.put("read_file", PATH_SCHEMA);
    tools.put("write_file", "{\"type\":\"object\",\"properties\":{\"path\":{},\"content\":{}}}");
    tools.put("ping", null);
    return tools;
  }

  @Test
  void tools_jsonAnswers_followsCursorsAndKeepsTheSession() throws Exception {
    try (McpTestServer server = new McpTestServer(threeTools(), false)) {
      List<McpToolList.Tool> tools = new McpToolList(URI.create(server.url()), Map.of("Authorization", "Bearer up")).tools();

      assertEquals(List.of("read_file", "write_file", "ping"), tools.stream().map(McpToolList.Tool::name).toList());
      assertEquals("path", tools.get(0).inputSchema().path("properties").fieldNames().next());
      assertNull(tools.get(2).inputSchema());
      assertEquals(List.of("initialize session=null auth=Bearer up", "notifications/initialized session=session-1 auth=Bearer up",
          "tools/list session=session-1 auth=Bearer up", "tools/list session=session-1 auth=Bearer up"), server.seen);
    }
  }

  @Test
  void tools_sseAnswers_readsTheResponseEventAmongOthers() throws Exception {
    try (McpTestServer server = new McpTestServer(threeTools(), true)) {
      List<McpToolList.Tool> tools = new McpToolList(URI.create(server.url()), Map.of()).tools();

      assertEquals(3, tools.size());
      assertEquals("write_file", tools.get(1).name());
    }
  }

  @Test
  void tools_notAnMcpServer_saysSo() throws Exception {
    HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.createContext("/", x -> {
      byte[] page = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "text/html");
      x.sendResponseHeaders(200, page.length);
      x.getResponseBody().write(page);
      x.close();
    });
    web.start();
    try {
      String url = "http://127.0.0.1:" + web.getAddress().getPort() + "/";
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> new McpToolList(URI.create(url), Map.of()).tools());

      assertEquals(url + " did not answer `initialize` as an MCP server (HTTP 200, text/html)", e.getMessage());
    } finally {
      web.stop(0);
    }
  }

  @Test
  void tools_nothingListening_saysConnectionRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/mcp";
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new McpToolList(URI.create(url), Map.of()).tools());

    assertEquals("cannot reach the MCP server at " + url + " (connection refused)", e.getMessage());
  }

  @Test
  void tools_statelessServerRefusingInitialize_isAskedWithTheMirroredHeaders() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer stateless = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stateless.createContext("/mcp", x -> {
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String header = x.getRequestHeaders().getFirst("Mcp-Method");
      seen.add(header + " " + x.getRequestHeaders().getFirst("MCP-Protocol-Version"));
      boolean list = "tools/list".equals(header) && body.contains("\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"");
      byte[] answer = (list ? "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"search\",\"inputSchema\":{}}]}}"
          : "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}").getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(list ? 200 : 404, answer.length);
      x.getResponseBody().write(answer);
      x.close();
    });
    stateless.start();
    try {
      List<McpToolList.Tool> tools = new McpToolList(URI.create("http://127.0.0.1:" + stateless.getAddress().getPort() + "/mcp"), Map.of()).tools();

      assertEquals(List.of("search"), tools.stream().map(McpToolList.Tool::name).toList());
      assertEquals(List.of("null null", "tools/list 2026-07-28"), seen);
    } finally {
      stateless.stop(0);
    }
  }

  @Test
  void tools_unauthorized_saysToGiveAHeader() throws Exception {
    HttpServer locked = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    locked.createContext("/", x -> {
      x.sendResponseHeaders(401, -1);
      x.close();
    });
    locked.start();
    try {
      String url = "http://127.0.0.1:" + locked.getAddress().getPort() + "/";
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> new McpToolList(URI.create(url), Map.of()).tools());

      assertEquals(url + " refused `initialize` with HTTP 401 (give its credential with --header 'Authorization: Bearer ...')", e.getMessage());
    } finally {
      locked.stop(0);
    }
  }

  @Test
  void sseData_multiLineAndCrLfEvents_joinsDataLinesPerEvent() {
    assertEquals(List.of("a\nb", "{}"), McpToolList.sseData("event: m\r\ndata: a\r\ndata:b\r\n\r\n: comment\ndata: {}\n"));
  }

  @Test
  void headers_malformed_isAUsageError() {
    assertEquals(Map.of("Authorization", "Bearer x"), McpToolList.headers(List.of("Authorization:  Bearer x")));
    assertTrue(assertThrows(UsageException.class, () -> McpToolList.headers(List.of("nocolon"))).getMessage().contains("'Name: value'"));
  }
}
