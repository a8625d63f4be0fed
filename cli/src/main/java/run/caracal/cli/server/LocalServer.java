package run.caracal.cli.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import run.caracal.server.home.CaracalHome;
import run.caracal.server.home.ProcessRecord;

/** The server admin commands talk to, as `$CARACAL_HOME` records it: its pid and URLs, and whether it answers. */
record LocalServer(ProcessRecord process) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The process admin commands talk to (see {@link run.caracal.server.home.HomeProcesses#admin()}). */
  static Optional<LocalServer> read(CaracalHome home) {
    return home.processes().admin().map(LocalServer::new);
  }

  long pid() {
    return process.pid();
  }

  /** The admin API's base URL (the STS's, on a process running the control or sts role). */
  String stsUrl() {
    return process.adminBaseUrl();
  }

  Optional<String> gatewayUrl() {
    return process.gatewayUrl();
  }

  boolean processAlive() {
    return process.alive();
  }

  /** GET a path; empty when the server does not answer. */
  Optional<HttpResponse<String>> get(String path) {
    try {
      return Optional.of(HTTP.send(HttpRequest.newBuilder(URI.create(stsUrl() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
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
