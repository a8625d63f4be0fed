package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal MCP server over Streamable HTTP for tests: {@code initialize} (setting a session id),
 * {@code notifications/initialized} (202) and {@code tools/list} in pages of two tools, answered as
 * JSON or, with {@code sse}, as an SSE stream; requests without the session id get 400. Records the
 * methods and headers it saw. Thread-safe.
 */
public final class McpTestServer implements AutoCloseable {
  public static final String SESSION = "session-1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<ObjectNode> tools;
  private final boolean sse;
  /** Each request as `METHOD session=ID auth=VALUE`. */
  public final List<String> seen = new CopyOnWriteArrayList<>();

  /** Serves {@code tools} (name → input schema JSON, or null for none). */
  public McpTestServer(Map<String, String> tools, boolean sse) throws IOException {
    this.sse = sse;
    this.tools = tools.entrySet().stream().map(e -> {
      ObjectNode t = JSON.createObjectNode().put("name", e.getKey()).put("description", "tool " + e.getKey());
      if (e.getValue() != null) {
        try {
          t.set("inputSchema", JSON.readTree(e.getValue()));
        } catch (IOException ex) {
          throw new IllegalArgumentException(ex);
        }
      }
      return t;
    }).toList();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/mcp", this::handle);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
  }

  private void handle(HttpExchange x) throws IOException {
    JsonNode request = JSON.readTree(x.getRequestBody().readAllBytes());
    String method = request.path("method").asText();
    String session = x.getRequestHeaders().getFirst("Mcp-Session-Id");
    seen.add(method + " session=" + session + " auth=" + x.getRequestHeaders().getFirst("Authorization"));
    if (method.equals("initialize")) {
      ObjectNode result = JSON.createObjectNode().put("protocolVersion", request.path("params").path("protocolVersion").asText());
      result.putObject("capabilities").putObject("tools");
      result.putObject("serverInfo").put("name", "test").put("version", "1");
      x.getResponseHeaders().add("Mcp-Session-Id", SESSION);
      answer(x, request, result);
    } else if (!SESSION.equals(session)) {
      send(x, 400, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"no session\"}}");
    } else if (method.startsWith("notifications/")) {
      x.sendResponseHeaders(202, -1);
      x.close();
    } else if (method.equals("tools/list")) {
      int start = request.path("params").path("cursor").asInt(0);
      ObjectNode result = JSON.createObjectNode();
      ArrayNode page = result.putArray("tools");
      tools.subList(start, Math.min(start + 2, tools.size())).forEach(page::add);
      if (start + 2 < tools.size()) {
        result.put("nextCursor", String.valueOf(start + 2));
      }
      answer(x, request, result);
    } else {
      send(x, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":" + request.path("id") + ",\"error\":{\"code\":-32601,\"message\":\"unknown method\"}}");
    }
  }

  private void answer(HttpExchange x, JsonNode request, JsonNode result) throws IOException {
    ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
    response.set("id", request.get("id"));
    response.set("result", result);
    if (sse) {
      send(x, 200, "text/event-stream", "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
          + "\"params\":{\"level\":\"info\",\"data\":\"hi\"}}\n\nevent: message\ndata: " + JSON.writeValueAsString(response) + "\n\n");
    } else {
      send(x, 200, "application/json", JSON.writeValueAsString(response));
    }
  }

  private static void send(HttpExchange x, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", type);
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
