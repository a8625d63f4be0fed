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
