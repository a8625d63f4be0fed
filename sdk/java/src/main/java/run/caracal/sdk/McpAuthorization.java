package run.caracal.sdk;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What an MCP client needs to call an MCP resource through the Gateway in one agent session: the
 * endpoint {@code {gateway}/mcp/{name}} of {@code resource://{name}}, and on every request
 * {@code Authorization} with a fresh token of that session (from its token cache, refreshed before
 * expiry), {@code traceparent} and {@code baggage}.
 *
 * <p>Made by {@link Caracal#mcp(String)} and bound to the session current then, not to a thread:
 * MCP clients send from their own threads. It uses only {@code java.net.http} types, so it plugs
 * into the Java MCP SDK ({@code io.modelcontextprotocol.sdk}) without the Caracal SDK depending on
 * it:
 *
 * <pre>{@code
 * McpAuthorization files = caracal.mcp("resource://files");
 * var transport = HttpClientStreamableHttpTransport.builder(files.baseUrl())
 *     .endpoint(files.path())
 *     .httpRequestCustomizer((request, method, uri, body, context) -> files.customize(request))
 *     .authorizationErrorHandler(McpHttpClientAuthorizationErrorHandler.fromSync(
 *         (response, context) -> files.renew(response.statusCode())))
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #customize} throws the {@link StsException} of a refused token exchange
 * (the MCP client then fails that request).
 */
public final class McpAuthorization {
  private final AgentSession session;
  private final String resourceId;
  private final List<String> scopes;
  private final String baseUrl;
  private final String path;
  private final AtomicReference<String> last = new AtomicReference<>();

  McpAuthorization(AgentSession session, String resourceId, List<String> scopes, String gatewayUrl) {
    if (!resourceId.startsWith("resource://") || resourceId.length() == "resource://".length()) {
      throw new ConfigException("`" + resourceId + "` is not an MCP resource id: MCP resources are reached as "
          + "{gateway}/mcp/{name} for `resource://{name}`");
    }
    this.session = session;
    this.resourceId = resourceId;
    this.scopes = List.copyOf(scopes);
    this.baseUrl = gatewayUrl;
    this.path = "/mcp/" + URLEncoder.encode(resourceId.substring("resource://".length()), StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The MCP resource, e.g. {@code resource://files}. */
  public String resourceId() {
    return resourceId;
  }

  /** The session whose tokens this carries. */
  public AgentSession session() {
    return session;
  }

  /** The Gateway's base URL, without a trailing slash (an MCP transport's base URI). */
  public String baseUrl() {
    return baseUrl;
  }

  /** The endpoint's path on the Gateway, {@code /mcp/{name}}. */
  public String path() {
    return path;
  }

  /** The full MCP endpoint, {@code {gateway}/mcp/{name}}. */
  public URI endpoint() {
    return URI.create(baseUrl + path);
  }

  /** {@code Bearer <token>} with a token usable now (waiting for the STS when none is at hand). */
  public String authorization() {
    String token = session.tokens.get(resourceId, scopes, null);
    last.set(token);
    return "Bearer " + token;
  }

  /** Sets {@code Authorization}, {@code traceparent} and {@code baggage} on {@code request}; returns it. */
  public HttpRequest.Builder customize(HttpRequest.Builder request) {
    return request.setHeader("Authorization", authorization())
        .setHeader("traceparent", session.traceparent())
        .setHeader("baggage", session.baggage());
  }

  /**
   * After a response with {@code status}: on {@code 401} obtains a new token in place of the one
   * last sent and returns true (send the request again), else false. Also false when no new token
   * can be had (the session ended, the STS refused).
   */
  public boolean renew(int status) {
    if (status != 401 || session.isClosed()) return false;
    try {
      last.set(session.tokens.get(resourceId, scopes, last.get()));
      return true;
    } catch (CaracalException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "McpAuthorization[" + resourceId + " at " + endpoint() + ", session " + session.id() + "]";
  }
}
