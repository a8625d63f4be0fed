package run.caracal.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import run.caracal.server.home.CaracalHome;

/** The server recorded in `$CARACAL_HOME/server.json`: its pid and URLs, and whether it answers. */
record LocalServer(long pid, String stsUrl, Optional<String> gatewayUrl) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static Optional<LocalServer> read(CaracalHome home) {
    if (!Files.exists(home.serverFile())) {
      return Optional.empty();
    }
    try {
      JsonNode json = JSON.readTree(Files.readString(home.serverFile()));
      return Optional.of(new LocalServer(json.path("pid").asLong(), json.path("sts_url").asText(),
          Optional.ofNullable(json.hasNonNull("gateway_url") ? json.get("gateway_url").asText() : null)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  boolean processAlive() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** GET a path; empty when the server does not answer. */
  Optional<HttpResponse<String>> get(String path) {
    try {
      return Optional.of(HTTP.send(HttpRequest.newBuilder(URI.create(stsUrl + path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  boolean ready() {
    return get("/ready").map(r -> r.statusCode() == 200).orElse(false);
  }
}
