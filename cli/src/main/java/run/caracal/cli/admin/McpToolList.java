package run.caracal.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.cli.Caracal;
import run.caracal.cli.UsageException;

/**
 * Lists an MCP server's tools over Streamable HTTP, as a plain client: {@code initialize}
 * (revision 2025-06-18, keeping the {@code Mcp-Session-Id} the server gives), the
 * {@code notifications/initialized} notification, then {@code tools/list} page by page following
 * {@code nextCursor}. A server that refuses {@code initialize} is asked once more without it, as
 * a stateless (2026-07-28) server. Answers may be JSON or an SSE stream. Not thread-safe.
 */
final class McpToolList {
  static final String PROTOCOL_VERSION = "2025-06-18";
  static final String STATELESS_VERSION = "2026-07-28";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_PAGES = 100;

  /** One listed tool: its name and input schema (a JSON object, or null when it has none). */
  record Tool(String name, JsonNode inputSchema) {}

  /** The server could not be reached or did not answer as an MCP server. */
  static class McpException extends IllegalStateException {
    McpException(String message) {
      super(message);
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private final URI url;
  private final Map<String, String> headers;
  private Optional<String> session = Optional.empty();
  private Optional<String> version = Optional.empty();
  private boolean stateless;
  private int nextId = 1;

  McpToolList(URI url, Map<String, String> headers) {
    this.url = url;
    this.headers = Map.copyOf(headers);
  }

  /** Every tool the server lists, in its order. */
  List<Tool> tools() {
    initialize();
    List<Tool> tools = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    for (int page = 0; page < MAX_PAGES; page++) {
      ObjectNode params = JSON.createObjectNode();
      cursor.ifPresent(c -> params.put("cursor", c));
      JsonNode result = call("tools/list", params);
      JsonNode listed = result.path("tools");
      if (!listed.isArray()) {
        throw new McpException("the `tools/list` answer of " + url + " has no `tools` list");
      }
      for (JsonNode t : listed) {
        JsonNode schema = t.get("inputSchema");
        tools.add(new Tool(t.path("name").asText(), schema != null && schema.isObject() ? schema : null));
      }
      cursor = Optional.ofNullable(result.get("nextCursor")).filter(JsonNode::isTextual).map(JsonNode::asText);
      if (cursor.isEmpty()) {
        return tools;
      }
    }
    throw new McpException(url + " kept answering `tools/list` with a `nextCursor` after " + MAX_PAGES + " pages");
  }

  private void initialize() {
    ObjectNode params = JSON.createObjectNode();
    params.put("protocolVersion", PROTOCOL_VERSION);
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "caracal").put("version", Caracal.version());
    JsonNode result;
    try {
      result = call("initialize", params);
    } catch (RpcError e) {
      stateless = true; // a 2026-07-28 server has no initialize; tools/list tells whether it speaks MCP at all
      return;
    }
    version = Optional.ofNullable(result.get("protocolVersion")).filter(JsonNode::isTextual).map(JsonNode::asText);
    ObjectNode note = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
    send(note, "notifications/initialized");
  }

  /** A JSON-RPC error answer. */
  private static final class RpcError extends McpException {
    RpcError(String message) {
      super(message);
    }
  }

  private JsonNode call(String method, ObjectNode params) {
    int id = nextId++;
    ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
    if (stateless) {
      params.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", STATELESS_VERSION);
    }
    request.set("params", params);
    HttpResponse<String> r = send(request, method);
    if (method.equals("initialize")) {
      session = r.headers().firstValue("Mcp-Session-Id");
    }
    JsonNode answer = answer(r, id, method);
    if (answer.has("error")) {
      JsonNode error = answer.get("error");
      throw new RpcError("`" + method + "` failed at " + url + ": " + error.path("message").asText("error")
          + " (JSON-RPC " + error.path("code").asText("?") + ")");
    }
    if (!answer.has("result")) {
      throw notMcp(r, method);
    }
    return answer.get("result");
  }

  private HttpResponse<String> send(JsonNode message, String method) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream");
    try {
      headers.forEach(b::header);
    } catch (IllegalArgumentException e) {
      throw new McpException("a --header cannot be sent: " + e.getMessage());
    }
    session.ifPresent(s -> b.header("Mcp-Session-Id", s));
    version.ifPresent(v -> b.header("MCP-Protocol-Version", v));
    if (stateless) {
      b.header("MCP-Protocol-Version", STATELESS_VERSION).header("Mcp-Method", method);
    }
    try {
      b.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(message)));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw new McpException(url + " refused `" + method + "` with HTTP " + r.statusCode()
            + " (give its credential with --header 'Authorization: Bearer ...')");
      }
      return r;
    } catch (ConnectException e) {
      throw new McpException("cannot reach the MCP server at " + url + " (connection refused)");
    } catch (HttpTimeoutException e) {
      throw new McpException("the MCP server at " + url + " did not answer `" + method + "` in time");
    } catch (IOException e) {
      throw new McpException("cannot reach the MCP server at " + url + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The JSON-RPC response with {@code id}, from a JSON body or an SSE stream's `data:` events. */
  private JsonNode answer(HttpResponse<String> r, int id, String method) {
    String type = r.headers().firstValue("Content-Type").orElse("");
    List<String> messages = new ArrayList<>();
    if (type.startsWith("text/event-stream")) {
      messages.addAll(sseData(r.body()));
    } else if (type.startsWith("application/json") || type.isEmpty()) {
      messages.add(r.body());
    }
    for (String text : messages) {
      try {
        JsonNode message = JSON.readTree(text);
        if (message != null && message.isObject() && message.path("id").asInt(-1) == id
            && (message.has("result") || message.has("error"))) {
          return message;
        }
      } catch (JsonProcessingException e) {
        // not JSON: not an MCP answer; reported below
      }
    }
    if (r.statusCode() >= 400 && method.equals("initialize")) {
      throw new RpcError("`initialize` failed with HTTP " + r.statusCode());
    }
    throw notMcp(r, method);
  }

  private McpException notMcp(HttpResponse<String> r, String method) {
    return new McpException(url + " did not answer `" + method + "` as an MCP server (HTTP " + r.statusCode()
        + ", " + r.headers().firstValue("Content-Type").orElse("no content type") + ")");
  }

  /** The data of each event of an SSE stream (`data:` lines of one event joined by newlines). */
  static List<String> sseData(String stream) {
    List<String> events = new ArrayList<>();
    StringBuilder data = null;
    for (String line : (stream + "\n\n").split("\r\n|\r|\n", -1)) {
      if (line.isEmpty()) {
        if (data != null) {
          events.add(data.toString());
        }
        data = null;
      } else if (line.startsWith("data:")) {
        String value = line.substring(5);
        value = value.startsWith(" ") ? value.substring(1) : value;
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return events;
  }

  /** `K: V` header options as a map; a malformed one is a usage error. */
  static Map<String, String> headers(List<String> options) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String h : options) {
      int colon = h.indexOf(':');
      if (colon <= 0 || h.substring(0, colon).isBlank()) {
        throw new UsageException("--header `" + h + "` must look like 'Name: value'");
      }
      out.put(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
    }
    return out;
  }
}
