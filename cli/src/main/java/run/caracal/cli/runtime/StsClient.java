package run.caracal.cli.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** The STS calls `caracal run` makes with an app's credentials: open a session, exchange, end it. */
public final class StsClient {
  /** An STS error with its RFC 6749 error, Caracal reason and request id. */
  public static final class StsException extends RuntimeException {
    public StsException(String message) {
      super(message);
    }
  }

  /** An opened session. */
  public record Session(String id, String token) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String basic;

  public StsClient(String stsUrl, String appId, String secret) {
    this.base = stsUrl.endsWith("/") ? stsUrl.substring(0, stsUrl.length() - 1) : stsUrl;
    this.basic = "Basic " + Base64.getEncoder().encodeToString(
        (URLEncoder.encode(appId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
  }

  public Session openSession(long ttlSeconds) {
    JsonNode r = send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"ttl_seconds\":" + ttlSeconds + "}")), "open a session");
    return new Session(r.get("session_id").asText(), r.get("session_token").asText());
  }

  /** An access token for one resource and its scopes. */
  public String exchange(Session session, String resource, List<String> scopes) {
    String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
        + "&subject_token=" + enc(session.token())
        + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:jwt")
        + "&resource=" + enc(resource) + "&scope=" + enc(String.join(" ", scopes));
    JsonNode r = send(HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)),
        "get a token for `" + resource + "`");
    return r.get("access_token").asText();
  }

  public void endSession(Session session) {
    send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + enc(session.id()))).DELETE(), "end the session");
  }

  private JsonNode send(HttpRequest.Builder builder, String what) {
    try {
      HttpResponse<String> r = http.send(builder.header("Authorization", basic).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.statusCode() >= 400) {
        throw new StsException("cannot " + what + ": " + json.path("error").asText("http " + r.statusCode())
            + " (" + json.path("reason").asText("") + ") " + json.path("error_description").asText("")
            + (json.hasNonNull("request_id") ? " [caracal explain " + json.get("request_id").asText() + "]" : ""));
      }
      return json;
    } catch (IOException e) {
      throw new StsException("cannot " + what + ": the STS at " + base + " is unreachable (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StsException("interrupted");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
