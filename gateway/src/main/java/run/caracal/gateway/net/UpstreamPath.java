package run.caracal.gateway.net;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;

/**
 * Joins a resource's upstream URL and the client's request target: the client path is appended to
 * the upstream's base path and the query kept. Targets that could escape the base (dot segments,
 * encoded or not, with or without a `;` path parameter, backslashes, absolute-form URLs, control
 * characters) are refused.
 */
public final class UpstreamPath {
  private UpstreamPath() {}

  /** The path + query to send upstream. */
  public static String join(URI upstream, String requestTarget) throws GatewayException {
    if (requestTarget.isEmpty() || requestTarget.charAt(0) != '/') {
      throw GatewayException.of(Reason.INVALID_TARGET, "request target must be an origin-form path");
    }
    int q = requestTarget.indexOf('?');
    String path = q < 0 ? requestTarget : requestTarget.substring(0, q);
    String query = q < 0 ? "" : requestTarget.substring(q);
    checkPath(path);
    String base = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + path + query;
  }

  /**
   * The path + query to send upstream for {@code /mcp/{name}{rest}}: the upstream URL is the MCP
   * endpoint itself, so an empty rest sends its path as is; anything else is joined as usual.
   */
  public static String joinMcp(URI upstream, String rest) throws GatewayException {
    if (rest.isEmpty() || rest.startsWith("?")) {
      String base = upstream.getRawPath() == null || upstream.getRawPath().isEmpty() ? "/" : upstream.getRawPath();
      return base + rest;
    }
    return join(upstream, rest);
  }

  /** The decoded path the policy sees (`request.path`). */
  public static String decodedPath(String requestTarget) {
    int q = requestTarget.indexOf('?');
    String path = q < 0 ? requestTarget : requestTarget.substring(0, q);
    try {
      return URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return path;
    }
  }

  private static void checkPath(String path) throws GatewayException {
    String decoded;
    try {
      decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
      // a second pass catches double encoding such as %252e%252e
      decoded = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw GatewayException.of(Reason.INVALID_TARGET, "request path has invalid percent-encoding");
    }
    if (decoded.contains("\\") || decoded.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw GatewayException.of(Reason.PATH_TRAVERSAL, "request path holds backslashes or control characters");
    }
    for (String segment : decoded.split("/", -1)) {
      // a path parameter does not hide a dot segment: servlet containers read `..;x` as `..`
      int parameter = segment.indexOf(';');
      String name = parameter < 0 ? segment : segment.substring(0, parameter);
      if (name.equals("..") || name.equals(".")) {
        throw GatewayException.of(Reason.PATH_TRAVERSAL, "request path holds dot segments");
      }
    }
  }
}
