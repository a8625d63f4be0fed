package run.caracal.control.resource;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import run.caracal.policy.input.Resource;

/**
 * A protected resource registered in a zone: its id, declared scopes, labels and attributes,
 * the upstream the Gateway forwards to, and optional operations (method + path → scope). An MCP
 * server ({@code protocol: mcp}) has its {@link Mcp} settings: declared tools and masked arguments.
 * The upstream credential itself is never part of this record; only whether one is set.
 */
public record ResourceBinding(
    String zoneId, String id, List<String> scopes, List<String> labels, Map<String, String> attributes,
    Optional<String> upstream, List<Operation> operations, Optional<BodyInspection> bodyInspection, Optional<Mcp> mcp,
    boolean hasUpstreamCredential, Instant createdAt, Instant updatedAt) {
  /** The protocol of a resource that is not an MCP server. */
  public static final String HTTP = "http";
  /** The protocol of an MCP server. */
  public static final String MCP = "mcp";
  /** The name in an MCP URL `{gateway}/mcp/{name}`, which stands for the resource `resource://{name}`. */
  public static final Pattern MCP_NAME = Pattern.compile("[A-Za-z0-9._~-]+");

  /** Requests with this method and path pattern need this scope. */
  public record Operation(String method, String path, String scope) {}

  /**
   * The Gateway reads request bodies of these content types (at most {@code maxBytes}, 413
   * beyond) and gives their JSON to policies as {@code request.body}; other bodies stream.
   */
  public record BodyInspection(List<String> contentTypes, int maxBytes) {
    public static final int LIMIT = 1024 * 1024;

    public BodyInspection {
      contentTypes = List.copyOf(contentTypes);
      if (maxBytes < 1 || maxBytes > LIMIT) {
        throw new IllegalArgumentException("body inspection max_bytes must be between 1 and " + LIMIT);
      }
    }

    public boolean covers(String contentType) {
      String base = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
      return contentTypes.stream().anyMatch(t -> t.equalsIgnoreCase(base));
    }
  }

  /**
   * An MCP server's settings: its declared tools (a name glob → the one scope a call needs, and
   * optionally the tool's input schema as JSON text), the argument paths masked in records
   * (dot-separated below {@code request.mcp.arguments}, {@code *} for any key), and the largest
   * JSON-RPC body the Gateway reads (413 beyond).
   */
  public record Mcp(List<Tool> tools, List<String> maskArguments, int maxBodyBytes) {
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    public Mcp {
      tools = List.copyOf(tools);
      maskArguments = List.copyOf(maskArguments);
      if (maxBodyBytes <= 0) {
        maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
      }
      if (maxBodyBytes > 16 * DEFAULT_MAX_BODY_BYTES) {
        throw new IllegalArgumentException("an MCP resource reads bodies of at most 16 MiB");
      }
    }

    /** The first declared tool whose name glob matches, when tools are declared. */
    public Optional<Tool> tool(String name) {
      return tools.stream().filter(t -> Globs.matches(t.name(), name)).findFirst();
    }

    /** The record paths of the masked arguments. */
    public List<String> maskedPaths() {
      return maskArguments.stream().map(p -> "request.mcp.arguments." + p).toList();
    }
  }

  /** A declared MCP tool: calls of tools whose names match {@code name} (`*` any run of characters) need {@code scope}. */
  public record Tool(String name, String scope, String inputSchema) {
    public Tool {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(scope, "scope");
    }
  }

  public ResourceBinding {
    mcp = Objects.requireNonNullElse(mcp, Optional.empty());
    scopes = List.copyOf(scopes);
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
    operations = List.copyOf(operations);
  }

  /**
   * The resource id an MCP URL stands for: {@code http(s)://host/mcp/{name}} (a trailing `/`
   * allowed) is {@code resource://{name}}. Empty for anything else.
   */
  public static Optional<String> mcpAlias(String url) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      return Optional.empty();
    }
    String path;
    try {
      path = URI.create(url).getPath();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (path == null || !path.startsWith("/mcp/")) {
      return Optional.empty();
    }
    String name = path.substring(5).replaceFirst("/$", "");
    return MCP_NAME.matcher(name).matches() ? Optional.of("resource://" + name) : Optional.empty();
  }

  /** {@value #MCP} for an MCP server, else {@value #HTTP}. */
  public String protocol() {
    return mcp.isPresent() ? MCP : HTTP;
  }

  /** As decision input. */
  public Resource toInput() {
    return Resource.newBuilder()
        .setId(id).addAllScopes(scopes).addAllLabels(labels).putAllAttributes(attributes).build();
  }
}
