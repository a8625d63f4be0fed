package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small MCP server (Streamable HTTP, JSON answers, sessions) for the Java MCP client test: tools
 * {@code read_file}, {@code write_file} and {@code delete_file} over two in-memory files. It
 * records the {@code Authorization} and {@code Mcp-Session-Id} of every request and the tool calls
 * it ran, so a test can check what the Gateway forwarded. GET (a server→client stream) is 405.
 */
final class McpUpstream implements AutoCloseable {
  record Received(String method, String authorization, String sessionId) {}

  final List<Received> received = new CopyOnWriteArrayList<>();
  final List<String> toolCalls = new CopyOnWriteArrayList<>();
  final String sessionId = UUID.randomUUID().toString();
  private final HttpServer server;

  McpUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/mcp", this::serve);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      received.add(new Received(method, exchange.getRequestHeaders().getFirst("Authorization"),
          exchange.getRequestHeaders().getFirst("Mcp-Session-Id")));
      if (!method.equals("POST")) {
        exchange.sendResponseHeaders(method.equals("DELETE") ? 200 : 405, -1);
        return;
      }
      JsonNode message = Json.MAPPER.readTree(exchange.getRequestBody());
      if (!message.has("id")) {
        exchange.sendResponseHeaders(202, -1);
        return;
      }
      ObjectNode response = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0").set("id", message.get("id"));
      ObjectNode result = response.putObject("result");
      JsonNode params = message.path("params");
      switch (message.path("method").asText()) {
        case "initialize" -> {
          result.put("protocolVersion", params.path("protocolVersion").asText("2025-06-18"));
          result.putObject("capabilities").putObject("tools");
          result.putObject("serverInfo").put("name", "files").put("version", "1.0.0");
          exchange.getResponseHeaders().set("Mcp-Session-Id", sessionId);
        }
        case "tools/list" -> {
          var tools = result.putArray("tools");
          for (String name : List.of("read_file", "write_file", "delete_file", "search")) {
            ObjectNode schema = tools.addObject().put("name", name).putObject("inputSchema").put("type", "object");
            schema.putObject("properties").putObject("path").put("type", "string");
          }
        }
        case "tools/call" -> {
          String tool = params.path("name").asText();
          toolCalls.add(tool + " " + params.path("arguments").path("path").asText());
          result.putArray("content").addObject().put("type", "text").put("text", tool + " ran on " + params.path("arguments").path("path").asText());
        }
        default -> { // ping and the rest: an empty result
        }
      }
      byte[] body = response.toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
