package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The STS calls the SDK makes with the app's credentials: open a session, exchange it, end it. */
final class StsClient {
  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
  private static final int RATE_LIMIT_TRIES = 3;

  final String baseUrl;
  private final String basic;
  private final Duration timeout;
  private final HttpClient http;

  StsClient(String baseUrl, String applicationId, String secret, Duration timeout, HttpClient http) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64
    this.basic = "Basic " + Base64.getEncoder().encodeToString(
        (form(applicationId) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
    this.http = http;
  }

  JsonNode openSession(Long ttlSeconds, List<String> scopes, List<String> resources, List<String> labels,
      String parentSessionToken, String traceparent, String what) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    if (ttlSeconds != null) body.put("ttl_seconds", ttlSeconds);
    if (!scopes.isEmpty()) scopes.forEach(body.putArray("scopes")::add);
    if (!resources.isEmpty()) resources.forEach(body.putArray("resources")::add);
    if (!labels.isEmpty()) labels.forEach(body.putArray("labels")::add);
    if (parentSessionToken != null) body.put("parent_session_token", parentSessionToken);
    if (what == null) what = parentSessionToken != null ? "cannot open a delegated session" : "cannot open a session";
    return call("POST", "/v1/sessions", body.toString(), "application/json", what, traceparent);
  }

  JsonNode exchange(String sessionToken, String resource, List<String> scopes, Long ttlSeconds, String traceparent) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", TOKEN_EXCHANGE);
    form.put("subject_token", sessionToken);
    form.put("subject_token_type", JWT_TOKEN_TYPE);
    form.put("resource", resource);
    form.put("scope", String.join(" ", scopes));
    if (ttlSeconds != null) form.put("ttl_seconds", Long.toString(ttlSeconds));
    String encoded = form.entrySet().stream().map(e -> form(e.getKey()) + "=" + form(e.getValue())).collect(Collectors.joining("&"));
    return call("POST", "/oauth2/token", encoded, "application/x-www-form-urlencoded",
        "cannot get a token for `" + resource + "`", traceparent);
  }

  JsonNode endSession(String sessionId, String traceparent) {
    return call("DELETE", "/v1/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8), null, null,
        "cannot end session `" + sessionId + "`", traceparent);
  }

  private JsonNode call(String method, String path, String body, String contentType, String what, String traceparent) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
        .header("Authorization", basic).header("Accept", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) builder.header("Content-Type", contentType);
    if (traceparent != null) builder.header("traceparent", traceparent);
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    for (int attempt = 1; ; attempt++) {
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new CaracalException(what + ": the sts at " + baseUrl + " is unreachable (" + e + ")",
            "sts_unreachable", null, 0, null, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CaracalException(what + ": interrupted", "interrupted", null, 0, null, e);
      }
      // a 429 means the STS did nothing, so even a POST may be sent again
      if (response.statusCode() == 429 && attempt < RATE_LIMIT_TRIES) {
        sleep(retryAfterMs(response.headers().firstValue("retry-after").orElse("1")));
        continue;
      }
      break;
    }
    JsonNode data = Json.parseObject(response.body());
    if (data == null) data = Json.MAPPER.createObjectNode();
    if (response.statusCode() >= 400) {
      throw StsException.fromBody(what, response.statusCode(), data,
          response.headers().firstValue("x-caracal-request-id").orElse(null));
    }
    return data;
  }

  private static long retryAfterMs(String value) {
    try {
      return Math.min(Math.max((long) (Double.parseDouble(value) * 1000), 50), 5000);
    } catch (NumberFormatException e) {
      return 1000;
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaracalException("interrupted", "interrupted", null, 0, null, e);
    }
  }

  private static String form(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
