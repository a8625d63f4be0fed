package run.caracal.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import run.caracal.control.db.Json;
import run.caracal.engine.decision.McpMethods;

/**
 * Filters the answer to `tools/list`, `prompts/list` or `resources/list` for one caller: an item
 * stays when a call of it could be allowed for some arguments ({@code listed}); `nextCursor` and
 * every other field are kept, and from revision 2026-07-28 the filtered result says
 * `cacheScope: private`. Handles a JSON body and a server-sent-event stream (the response event is
 * rewritten; other events pass unchanged). Thread-safe.
 */
public final class ListFilter {
  private final String method;
  private final JsonNode id;
  private final boolean markPrivate;
  private final Predicate<String> listed;

  /**
   * @param method the list method
   * @param id the request's JSON-RPC id (the response to filter carries it)
   * @param protocolVersion the revision the client speaks
   * @param listed whether an item (tool or prompt name, resource URI) is shown
   */
  public ListFilter(String method, JsonNode id, String protocolVersion, Predicate<String> listed) {
    this.method = method;
    this.id = id;
    this.markPrivate = protocolVersion.compareTo(McpMessage.MIRRORED_HEADERS_FROM) >= 0;
    this.listed = listed;
  }

  /** The list methods the Gateway filters, and the method whose decision governs each item. */
  public static boolean filters(String method) {
    return method.equals("tools/list") || method.equals("prompts/list") || method.equals("resources/list");
  }

  /** The method deciding an item of this list: a tool call, a prompt get, a resource read. */
  public static String itemMethod(String listMethod) {
    return switch (listMethod) {
      case "tools/list" -> McpMethods.TOOLS_CALL;
      case "prompts/list" -> McpMethods.PROMPTS_GET;
      default -> McpMethods.RESOURCES_READ;
    };
  }

  /** A filtered body and the names it hid. */
  public record Filtered(byte[] body, List<String> hidden) {}

  /** Filters a response body of this content type; a body that is neither JSON nor SSE, or unreadable, is refused. */
  public Filtered apply(byte[] body, String contentType) throws IOException {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    List<String> hidden = new ArrayList<>();
    if (type.startsWith("text/event-stream")) {
      return new Filtered(filterEvents(new String(body, StandardCharsets.UTF_8), hidden).getBytes(StandardCharsets.UTF_8), hidden);
    }
    JsonNode message = Json.MAPPER.readTree(body);
    filterMessage(message, hidden);
    return new Filtered(Json.MAPPER.writeValueAsBytes(message), hidden);
  }

  private String filterEvents(String stream, List<String> hidden) throws IOException {
    StringBuilder out = new StringBuilder(stream.length());
    String normalized = stream.replace("\r\n", "\n").replace('\r', '\n');
    String[] events = normalized.split("\n\n", -1);
    for (int i = 0; i < events.length; i++) {
      String event = events[i];
      if (i > 0) {
        out.append("\n\n");
      }
      StringBuilder data = new StringBuilder();
      List<String> others = new ArrayList<>();
      for (String line : event.split("\n", -1)) {
        if (line.startsWith("data:")) {
          data.append(data.length() > 0 ? "\n" : "").append(line.substring(line.startsWith("data: ") ? 6 : 5));
        } else {
          others.add(line);
        }
      }
      if (data.length() == 0) {
        out.append(event);
        continue;
      }
      JsonNode message;
      try {
        message = Json.MAPPER.readTree(data.toString());
      } catch (IOException e) {
        out.append(event); // not JSON: not the response we filter
        continue;
      }
      if (!filterMessage(message, hidden)) {
        out.append(event);
        continue;
      }
      boolean first = true;
      for (String line : others) {
        if (!line.isEmpty()) {
          out.append(first ? "" : "\n").append(line);
          first = false;
        }
      }
      out.append(first ? "" : "\n").append("data: ").append(Json.MAPPER.writeValueAsString(message));
    }
    return out.toString();
  }

  /** Filters the response to our request in place; false when this message is not it. */
  private boolean filterMessage(JsonNode message, List<String> hidden) {
    if (!(message instanceof ObjectNode object) || !id.equals(object.get("id")) || !(object.get("result") instanceof ObjectNode result)) {
      return false;
    }
    String field = switch (method) {
      case "tools/list" -> "tools";
      case "prompts/list" -> "prompts";
      default -> "resources";
    };
    String key = method.equals("resources/list") ? "uri" : "name";
    if (result.get(field) instanceof ArrayNode items) {
      ArrayNode kept = Json.MAPPER.createArrayNode();
      for (JsonNode item : items) {
        String name = item.path(key).asText("");
        if (listed.test(name)) {
          kept.add(item);
        } else {
          hidden.add(name);
        }
      }
      result.set(field, kept);
    }
    if (markPrivate) {
      result.put("cacheScope", "private");
    }
    return true;
  }
}
