package run.caracal.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;
import run.caracal.control.db.Json;

/** A small HTTP client for the tests: admin calls with the admin token, app calls with Basic auth. */
final class TestClient {
  record Response(int status, JsonNode json, HttpResponse<String> raw) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String adminToken;

  TestClient(String base, String adminToken) {
    this.base = base;
    this.adminToken = adminToken;
  }

  Response admin(String method, String path, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + adminToken)
        .header("Content-Type", "application/json");
    return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body))));
  }

  /** A call with any `Authorization` header (an approver's token, an app's credentials), or none when null. */
  Response as(String authorization, String method, String path, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body))));
  }

  Response app(String method, String path, String clientId, String secret, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (clientId != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)));
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  Response form(String path, String clientId, String secret, Map<String, String> params) {
    String body = params.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return app("POST", path, clientId, secret, "application/x-www-form-urlencoded", body);
  }

  /** An application's id and client secret. */
  record App(String id, String secret) {}

  /** Creates a zone and one application in it. */
  App zoneWithApp(String zone, String appName) {
    assertStatus(admin("POST", "/admin/v1/zones", Map.of("name", zone)), 201);
    Response app = assertStatus(admin("POST", "/admin/v1/zones/" + zone + "/apps", Map.of("name", appName)), 201);
    return new App(app.json().get("id").asText(), app.json().get("client_secret").asText());
  }

  /** Pushes one policy file to the zone and activates the policy set it names. */
  void activate(String zone, String policyYaml, String policySet) {
    assertStatus(admin("POST", "/admin/v1/zones/" + zone + "/policies",
        Map.of("files", java.util.List.of(Map.of("name", "policy.yaml", "content", policyYaml)))), 200);
    assertStatus(admin("POST", "/admin/v1/zones/" + zone + "/activate", Map.of("policy_set", policySet)), 200);
  }

  /** Opens a session for the app and exchanges it (RFC 8693) for an access token to one resource. */
  String resourceToken(App app, String resource, String scope) {
    Response session = assertStatus(app("POST", "/v1/sessions", app.id(), app.secret(), "application/json", "{}"), 201);
    Response token = assertStatus(form("/oauth2/token", app.id(), app.secret(), Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", session.json().get("session_token").asText(),
        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", resource, "scope", scope)), 200);
    return token.json().get("access_token").asText();
  }

  private static Response assertStatus(Response r, int expected) {
    if (r.status() != expected) {
      throw new AssertionError("expected " + expected + ", got " + r.status() + ": " + r.raw().body());
    }
    return r;
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private Response send(HttpRequest.Builder builder) {
    try {
      HttpResponse<String> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      boolean isJson = r.headers().firstValue("Content-Type").map(t -> t.contains("json")).orElse(true);
      JsonNode json = r.body() == null || r.body().isBlank() || !isJson ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(r.body());
      return new Response(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
