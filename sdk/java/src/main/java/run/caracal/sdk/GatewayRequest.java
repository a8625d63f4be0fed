package run.caracal.sdk;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * Where and how to call a resource through the Gateway: {@code headers} holds
 * {@code X-Caracal-Resource}, {@code Authorization} (a cached token of the current session,
 * refreshed before expiry), {@code traceparent} and {@code baggage}.
 */
public record GatewayRequest(String url, Map<String, String> headers, String resourceId, String path) {
  public GatewayRequest {
    headers = Map.copyOf(headers);
  }

  public URI uri() {
    return URI.create(url);
  }

  /** An {@link HttpRequest.Builder} for {@link #url()} with {@link #headers()} set. */
  public HttpRequest.Builder newBuilder() {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri());
    headers.forEach(builder::header);
    return builder;
  }
}
