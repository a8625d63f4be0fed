package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.server.home.CaracalHome;

/** The Gateway limits each application's request rate: 429 with Retry-After and a reason. */
class GatewayRateLimitTest {
  @TempDir Path home;

  @Test
  void burstOverTheLimit_gets429WithRetryAfter() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    upstream.start();
    System.setProperty("caracal.gateway.rate-limit.per-app", "1");
    CaracalServer server;
    try {
      server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
          "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    } finally {
      System.clearProperty("caracal.gateway.rate-limit.per-app");
    }
    try (server) {
      TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
      client.admin("POST", "/admin/v1/zones", Map.of("name", "z"));
      var app = client.admin("POST", "/admin/v1/zones/z/apps", Map.of("name", "a"));
      String id = app.json().get("id").asText();
      String secret = app.json().get("client_secret").asText();
      client.admin("PUT", "/admin/v1/zones/z/resources", Map.of("id", "resource://r", "scopes", List.of("s"),
          "upstream", "http://127.0.0.1:" + upstream.getAddress().getPort()));
      String policy = "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  resources: [\"resource://r\"]\n"
          + "  rules:\n    - {name: all, effect: allow, scopes: [s], when: \"principal.name == 'a'\"}\n"
          + "---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: set}\nspec: {policies: [p]}\n";
      client.admin("POST", "/admin/v1/zones/z/policies", Map.of("files", List.of(Map.of("name", "p.yaml", "content", policy))));
      client.admin("POST", "/admin/v1/zones/z/activate", Map.of("policy_set", "set"));
      var session = client.app("POST", "/v1/sessions", id, secret, "application/json", "{}");
      var t = client.form("/oauth2/token", id, secret, Map.of("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
          "subject_token", session.json().get("session_token").asText(),
          "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "resource", "resource://r", "scope", "s"));
      String token = t.json().get("access_token").asText();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> last = null;
      for (int i = 0; i < 6; i++) {
        last = http.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl().orElseThrow() + "/x"))
            .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", "resource://r").GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (last.statusCode() == 429) {
          break;
        }
      }
      assertEquals(429, last.statusCode(), last.body());
      assertTrue(last.body().contains("\"reason\":\"rate_limited\""), last.body());
      assertTrue(last.headers().firstValue("Retry-After").isPresent());
    } finally {
      upstream.stop(0);
    }
  }
}
