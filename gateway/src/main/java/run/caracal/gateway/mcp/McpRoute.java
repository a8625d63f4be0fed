package run.caracal.gateway.mcp;

import java.util.Optional;
import java.util.regex.Pattern;
import run.caracal.control.resource.ResourceBinding;

/**
 * The URL a stock MCP client is given: {@code /mcp/{name}} reaches the resource
 * {@code resource://{name}}; what follows the name (and the query) is appended to the resource's
 * upstream URL, which is the MCP server's endpoint.
 *
 * @param name the resource name (the id without its scheme)
 * @param rest the rest of the request target after the name: empty, or a path starting with `/` or `?`
 */
public record McpRoute(String name, String rest) {
  public static final String PREFIX = "/mcp/";
  /** Where RFC 9728 metadata for {@code /mcp/{name}} is served (the path-suffixed form). */
  public static final String METADATA_PREFIX = "/.well-known/oauth-protected-resource" + PREFIX;
  private static final Pattern NAME = ResourceBinding.MCP_NAME;

  /** The route of a request target, when it is {@code /mcp/{name}...}. */
  public static Optional<McpRoute> of(String target) {
    if (!target.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int end = PREFIX.length();
    while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
      end++;
    }
    String name = target.substring(PREFIX.length(), end);
    return NAME.matcher(name).matches() ? Optional.of(new McpRoute(name, target.substring(end))) : Optional.empty();
  }

  /** The resource name of a metadata request target, when it is {@code /.well-known/oauth-protected-resource/mcp/{name}}. */
  public static Optional<String> metadataFor(String target) {
    if (!target.startsWith(METADATA_PREFIX)) {
      return Optional.empty();
    }
    String name = target.substring(METADATA_PREFIX.length());
    return NAME.matcher(name).matches() ? Optional.of(name) : Optional.empty();
  }

  public String resourceId() {
    return "resource://" + name;
  }

  /** The MCP URL of a resource id reached through a Gateway at {@code gatewayUrl}, when the id is `resource://name`. */
  public static Optional<String> urlOf(String gatewayUrl, String resourceId) {
    if (!resourceId.startsWith("resource://") || !NAME.matcher(resourceId.substring(11)).matches()) {
      return Optional.empty();
    }
    return Optional.of(gatewayUrl.replaceAll("/+$", "") + PREFIX + resourceId.substring(11));
  }
}
