package run.caracal.gateway.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.db.Json;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.McpMethods;
import run.caracal.gateway.GatewayException;
import run.caracal.policy.input.Mcp;
import run.caracal.policy.input.McpClient;

/**
 * One JSON-RPC message a client posted to an MCP resource: a request (method and id), a
 * notification (method, no id) or a response to the server (id, no method). Batches are refused:
 * a decision and its record concern one message (revision 2025-06-18 removed batching; for
 * 2025-03-26 clients the refusal says to send messages one per POST). Immutable.
 *
 * @param id the request id (a string or number node), or null for a notification or when unknown
 * @param method the method, or empty for a response
 * @param params the params object, or an empty object
 */
public record McpMessage(JsonNode id, String method, JsonNode params) {
  /** Revision 2026-07-28 and later: stateless, every POST mirrors its method (and name) in headers. */
  public static final String MIRRORED_HEADERS_FROM = "2026-07-28";
  /** The `_meta` key carrying the protocol revision from 2026-07-28. */
  static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
  static final String META_CLIENT = "io.modelcontextprotocol/clientInfo";

  /** JSON-RPC: not JSON. */
  public static final int PARSE_ERROR = -32700;
  /** JSON-RPC: not a valid request object (and batches, which the Gateway does not take). */
  public static final int INVALID_REQUEST = -32600;
  /** MCP 2026-07-28: a mirrored header disagrees with the body, or is missing. */
  public static final int HEADER_MISMATCH = -32020;
  /** Caracal: the call was refused (policy, undeclared tool, scope); `error.data` has reason and request_id. */
  public static final int FORBIDDEN = -32003;

  /**
   * Parses a POST body.
   *
   * @throws GatewayException 400 with a JSON-RPC error for anything but one JSON-RPC object
   */
  public static McpMessage parse(byte[] body) throws GatewayException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "the body is not JSON"), null, PARSE_ERROR);
    }
    if (root != null && root.isArray()) {
      throw rpc(GatewayException.of(Reason.MCP_BATCH_UNSUPPORTED,
          "JSON-RPC batches are not accepted through the Caracal Gateway; send one message per POST"), null, INVALID_REQUEST);
    }
    if (root == null || !root.isObject() || !"2.0".equals(root.path("jsonrpc").asText())) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "the body is not a JSON-RPC 2.0 message"), null, INVALID_REQUEST);
    }
    JsonNode id = root.get("id");
    if (id != null && !id.isTextual() && !id.isIntegralNumber()) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "a JSON-RPC id must be a string or an integer"), null,
          INVALID_REQUEST);
    }
    JsonNode method = root.get("method");
    if (method != null && !method.isTextual()) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "`method` must be a string"), id, INVALID_REQUEST);
    }
    if (method == null && id == null) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "a JSON-RPC message needs a method or an id"), null,
          INVALID_REQUEST);
    }
    JsonNode params = root.path("params");
    if (!params.isMissingNode() && !params.isObject() && method != null) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "`params` must be an object"), id, INVALID_REQUEST);
    }
    return new McpMessage(id, method == null ? "" : method.asText(), params.isObject() ? params : Json.MAPPER.createObjectNode());
  }

  /** The refusal as a JSON-RPC error response for this message's id (null when a notification). */
  public static GatewayException rpc(GatewayException e, JsonNode id, int code) {
    return e.asJsonRpc(id == null ? null : id.toString(), code);
  }

  /** Whether the rules decide this message (a tool call, resource read or prompt get). */
  public boolean decided() {
    return McpMethods.decided(method);
  }

  /** The name a 2026-07-28 client mirrors in `Mcp-Name`: the tool or prompt name, or the resource URI. */
  public String name() {
    return switch (method) {
      case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> params.path("name").asText("");
      case McpMethods.RESOURCES_READ -> params.path("uri").asText("");
      default -> "";
    };
  }

  /** The revision: the `MCP-Protocol-Version` header, else `_meta`, else `initialize`'s protocolVersion. */
  public String protocolVersion(Map<String, String> headers) {
    String header = headers.get("mcp-protocol-version");
    if (header != null && !header.isBlank()) {
      return header.trim();
    }
    String meta = params.path("_meta").path(META_VERSION).asText("");
    if (!meta.isEmpty()) {
      return meta;
    }
    return method.equals("initialize") ? params.path("protocolVersion").asText("") : "";
  }

  /**
   * From 2026-07-28 a POST mirrors the method in `Mcp-Method` and, for a tool call, resource read
   * or prompt get, the name in `Mcp-Name`; an intermediary enforcing policy checks them against
   * the body, never trusting headers alone.
   *
   * @throws GatewayException 400, JSON-RPC {@value #HEADER_MISMATCH}, on a missing or differing header
   */
  public void checkMirroredHeaders(Map<String, String> headers) throws GatewayException {
    String version = protocolVersion(headers);
    if (version.compareTo(MIRRORED_HEADERS_FROM) < 0 || method.isEmpty()) {
      return;
    }
    String mirroredMethod = headers.get("mcp-method");
    if (!method.equals(mirroredMethod)) {
      throw rpc(GatewayException.of(Reason.MCP_HEADER_MISMATCH, mirroredMethod == null
          ? "Mcp-Method is required from revision " + MIRRORED_HEADERS_FROM
          : "Mcp-Method `" + mirroredMethod + "` disagrees with the body's method `" + method + "`"), id, HEADER_MISMATCH);
    }
    String name = name();
    if (!name.isEmpty() || decided()) {
      String mirroredName = headers.get("mcp-name");
      if (!name.equals(mirroredName)) {
        throw rpc(GatewayException.of(Reason.MCP_HEADER_MISMATCH, mirroredName == null
            ? "Mcp-Name is required for " + method + " from revision " + MIRRORED_HEADERS_FROM
            : "Mcp-Name `" + mirroredName + "` disagrees with the body's `" + name + "`"), id, HEADER_MISMATCH);
      }
    }
  }

  /** The message as policy input (`request.mcp`). */
  public Mcp toInput(Map<String, String> headers) throws GatewayException {
    Mcp.Builder mcp = Mcp.newBuilder().setMethod(method).setProtocolVersion(protocolVersion(headers));
    switch (method) {
      case McpMethods.TOOLS_CALL -> mcp.setTool(params.path("name").asText("")).setArguments(arguments());
      case McpMethods.PROMPTS_GET -> mcp.setPrompt(params.path("name").asText("")).setArguments(arguments());
      case McpMethods.RESOURCES_READ -> mcp.setUri(params.path("uri").asText(""));
      default -> { }
    }
    if (decided() && name().isEmpty()) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, method + " needs `params."
          + (method.equals(McpMethods.RESOURCES_READ) ? "uri" : "name") + "`"), id, INVALID_REQUEST);
    }
    JsonNode client = method.equals("initialize") ? params.path("clientInfo") : params.path("_meta").path(META_CLIENT);
    if (client.isObject()) {
      mcp.setClient(McpClient.newBuilder().setName(client.path("name").asText("")).setVersion(client.path("version").asText("")));
    }
    return mcp.build();
  }

  private Struct arguments() throws GatewayException {
    JsonNode arguments = params.path("arguments");
    if (arguments.isMissingNode() || arguments.isNull()) {
      return Struct.getDefaultInstance();
    }
    if (!arguments.isObject()) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "`params.arguments` must be an object"), id, INVALID_REQUEST);
    }
    try {
      Struct.Builder struct = Struct.newBuilder();
      JsonFormat.parser().merge(Json.MAPPER.writeValueAsString(arguments), struct);
      return struct.build();
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw rpc(GatewayException.of(Reason.MCP_INVALID_MESSAGE, "`params.arguments` cannot be read"), id, INVALID_REQUEST);
    }
  }

  /** Whether this is a request (it has an id and a method): only requests get JSON-RPC error responses. */
  public boolean isRequest() {
    return id != null && !method.isEmpty();
  }

  /** The id as JSON text, for an error response. */
  public Optional<String> idJson() {
    return Optional.ofNullable(id).map(JsonNode::toString);
  }

}
