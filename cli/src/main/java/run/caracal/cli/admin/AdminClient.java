package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import run.caracal.cli.UsageException;
import run.caracal.server.home.CaracalHome;
import run.caracal.server.home.ProcessRecord;

/**
 * Talks to the running server's admin API, given by `--server` / `CARACAL_SERVER_URL` or found
 * through the process records of `$CARACAL_HOME`, and authenticated with `$CARACAL_HOME/admin.token`. Errors from the server become
 * {@link AdminException} with its error code and message.
 */
public final class AdminClient {
  /** The server answered with an error. */
  public static final class AdminException extends RuntimeException {
    private final int status;
    private final JsonNode body;

    AdminException(int status, JsonNode body) {
      super(body.path("message").asText(body.path("error_description").asText(body.path("error").asText("request failed (" + status + ")"))));
      this.status = status;
      this.body = body;
    }

    public int status() {
      return status;
    }

    public JsonNode body() {
      return body;
    }
  }

  public static final ObjectMapper JSON = new ObjectMapper();

  private static volatile String serverOption;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String token;

  public AdminClient(String baseUrl, String token) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
  }

  /**
   * The client for the server given by `--server` or `CARACAL_SERVER_URL`, else the one recorded in
   * {@code $CARACAL_HOME} (the live control process of the home); a usage error when none is found.
   */
  public static AdminClient fromHome() {
    CaracalHome home = CaracalHome.fromEnvironment();
    Optional<String> explicit = explicitServer();
    Optional<ProcessRecord> recorded = explicit.isPresent() ? Optional.empty() : home.processes().admin();
    if ((explicit.isEmpty() && recorded.isEmpty()) || !Files.exists(home.adminTokenFile())) {
      throw new UsageException("no Caracal server found in `" + home.root() + "` (start one with `caracal up` or `caracal serve`, or set CARACAL_HOME)");
    }
    try {
      return new AdminClient(explicit.orElseGet(() -> recorded.get().adminBaseUrl()), Files.readString(home.adminTokenFile()).trim());
    } catch (IOException e) {
      throw new UsageException("cannot read `" + home.adminTokenFile() + "`: " + e.getMessage());
    }
  }

  /**
   * The same server, authenticated with another bearer token (an approver's) instead of the admin
   * token.
   */
  public AdminClient withToken(String otherToken) {
    return new AdminClient(baseUrl, otherToken);
  }

  /**
   * The approver token a command acts with: {@code option} (`--approver-token`) when given, else
   * `CARACAL_APPROVER_TOKEN`; empty when neither is set (the command then uses the admin token).
   */
  public static Optional<String> approverToken(String option) {
    String token = option != null ? option : System.getenv().getOrDefault("CARACAL_APPROVER_TOKEN", "");
    return token.isBlank() ? Optional.empty() : Optional.of(token.strip());
  }

  /**
   * The client for the server given by `--server` or `CARACAL_SERVER_URL`, else the one recorded in
   * {@code $CARACAL_HOME}, authenticated with {@code token} (an approver's): the admin token file is
   * not needed.
   */
  public static AdminClient fromHome(String token) {
    CaracalHome home = CaracalHome.fromEnvironment();
    Optional<String> explicit = explicitServer();
    Optional<ProcessRecord> recorded = explicit.isPresent() ? Optional.empty() : home.processes().admin();
    if (explicit.isEmpty() && recorded.isEmpty()) {
      throw new UsageException("no Caracal server found in `" + home.root() + "` (give --server URL, set CARACAL_SERVER_URL, or set CARACAL_HOME)");
    }
    return new AdminClient(explicit.orElseGet(() -> recorded.get().adminBaseUrl()), token);
  }

  /** Sets the `--server` option's URL (the root command does, before a subcommand runs); null clears it. */
  public static void serverOption(String url) {
    serverOption = url;
  }

  /** The admin and STS URL given explicitly: `--server`, else `CARACAL_SERVER_URL`. */
  public static Optional<String> explicitServer() {
    String option = serverOption;
    if (option != null && !option.isBlank()) {
      return Optional.of(option.strip());
    }
    String env = System.getenv("CARACAL_SERVER_URL");
    return env != null && !env.isBlank() ? Optional.of(env.strip()) : Optional.empty();
  }

  public String baseUrl() {
    return baseUrl;
  }

  public JsonNode get(String path) {
    return send("GET", path, null);
  }

  public JsonNode post(String path, Object body) {
    return send("POST", path, body);
  }

  public JsonNode put(String path, Object body) {
    return send("PUT", path, body);
  }

  public JsonNode patch(String path, Object body) {
    return send("PATCH", path, body);
  }

  public JsonNode delete(String path) {
    return send("DELETE", path, null);
  }

  /** A raw streaming GET (exports). */
  public InputStream stream(String path) {
    try {
      HttpRequest any = HttpRequest.newBuilder(request("GET", path, null), (name, value) -> !name.equalsIgnoreCase("Accept"))
          .header("Accept", "*/*").build(); // exports are NDJSON, keys PEM
      HttpResponse<InputStream> r = http.send(any, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 400) {
        JsonNode body = JSON.readTree(r.body().readAllBytes());
        throw new AdminException(r.statusCode(), body);
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private JsonNode send(String method, String path, Object body) {
    try {
      HttpResponse<String> r = http.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.statusCode() >= 400) {
        throw new AdminException(r.statusCode(), json);
      }
      return json;
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private HttpRequest request(String method, String path, Object body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private IllegalStateException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
    return new IllegalStateException("cannot reach the Caracal server at " + baseUrl + " (" + why + "); is it running? (`caracal status`)");
  }
}
