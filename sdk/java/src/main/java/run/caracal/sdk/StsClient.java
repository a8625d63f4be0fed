package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
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
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The STS calls made with an app's credentials: open a session, exchange it for a resource token,
 * end it. {@link Caracal} uses it for its sessions; tools that need one session and its tokens
 * once (the {@code caracal run} command) use it directly. Thread-safe. Every call throws a
 * {@link StsException} when the STS refuses (with its error, reason and request id) and a
 * {@link CaracalException} (reason {@code sts_unreachable}) when it cannot be reached.
 */
public final class StsClient {
  /** An opened agent session: its id and the session token to exchange. */
  public record OpenedSession(String id, String token) {
    public OpenedSession {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
      return "OpenedSession[id=" + id + ", token=***]";
    }
  }

  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
  private static final int RATE_LIMIT_TRIES = 3;

  final String baseUrl;
  private final String basic;
  private final Duration timeout;
  private final HttpClient http;

  /** A client for the profile's STS and app, with {@code timeout} for connecting and for each call. */
  public static StsClient of(Profile profile, Duration timeout) {
    return new StsClient(profile.stsUrl(), profile.applicationId(), profile.secret(), timeout,
        HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build());
  }

  StsClient(String baseUrl, String applicationId, String secret, Duration timeout, HttpClient http) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64
    this.basic = "Basic " + Base64.getEncoder().encodeToString(
        (form(applicationId) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
    this.http = http;
  }

  /** Opens an independent agent session of {@code ttlSeconds} (not delegated, not narrowed). */
  public OpenedSession openSession(long ttlSeconds) {
    JsonNode body = openSession(ttlSeconds, List.of(), List.of(), List.of(), null, null, null);
    String id = Json.text(body, "session_id");
    String token = Json.text(body, "session_token");
    if (id == null || token == null) {
      throw new CaracalException("cannot open a session: the STS answered without a session id and token",
          "sts_bad_response", null, 0, null, null);
    }
    return new OpenedSession(id, token);
  }

  /** A resource token for {@code resource} and {@code scopes}, exchanged for the session's token (RFC 8693). */
  public String accessToken(OpenedSession session, String resource, List<String> scopes) {
    String token = Json.text(exchange(session.token(), resource, scopes, null, null), "access_token");
    if (token == null) {
      throw new CaracalException("cannot get a token for `" + resource + "`: the STS answered without an access_token",
          "sts_bad_response", null, 0, null, null);
    }
    return token;
  }

  /** Ends the session and its descendants; their tokens are refused from then on. */
  public void endSession(OpenedSession session) {
    endSession(session.id(), null);
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
        throw new CaracalException(what + ": the STS at " + baseUrl + " is unreachable (" + describe(e) + ")",
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

  /** What went wrong with the connection, without Java type names when there is a message. */
  private static String describe(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
    }
    return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
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
