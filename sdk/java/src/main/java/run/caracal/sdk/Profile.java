package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The runtime profile: where the STS and Gateway are, which app this is, its secret, the session
 * lifetime and the credentials (resource, scopes, upstream prefix) the agent works with.
 *
 * <p>Resolution ({@link #resolve(Map)}), first match wins:
 * <ol>
 *   <li>{@code CARACAL_CONFIG}: the TOML profile written by {@code caracal setup};</li>
 *   <li>{@code CARACAL_*} environment variables, when {@code CARACAL_STS_URL} or
 *       {@code CARACAL_APPLICATION_ID} is set;</li>
 *   <li>{@code $XDG_CONFIG_HOME/caracal/caracal.toml} ({@code ~/.config/caracal/caracal.toml}).</li>
 * </ol>
 * Unknown keys, a secret file readable by group or others, and both an inline and a file secret
 * are {@link ConfigException}s. {@link #toString()} never prints the secret.
 *
 * @param source the profile file, or {@code "environment"}
 */
public record Profile(String stsUrl, String gatewayUrl, String zoneId, String applicationId, String secret,
    long ttlSeconds, List<Credential> credentials, String source) {

  public static final long DEFAULT_TTL_SECONDS = 1800;

  /** The {@link #source()} of a profile read from {@code CARACAL_*} environment variables. */
  public static final String ENVIRONMENT = "environment";

  /**
   * One resource the agent calls.
   *
   * @param env the variable {@code caracal run} puts this resource's token in
   * @param upstreamPrefix URLs under it are routed through the Gateway by {@code transport()}
   */
  public record Credential(String resource, List<String> scopes, String env, Optional<String> upstreamPrefix) {
    public Credential {
      Objects.requireNonNull(resource, "resource");
      scopes = List.copyOf(scopes);
      Objects.requireNonNull(env, "env");
      upstreamPrefix = upstreamPrefix == null ? Optional.empty() : upstreamPrefix;
    }
  }

  public Profile {
    Objects.requireNonNull(stsUrl, "stsUrl");
    gatewayUrl = gatewayUrl == null ? "" : gatewayUrl;
    zoneId = zoneId == null ? "" : zoneId;
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(secret, "secret");
    credentials = List.copyOf(credentials);
  }

  /** The profile file, or empty when the profile came from {@code CARACAL_*} environment variables. */
  public Optional<Path> file() {
    return source == null || source.equals(ENVIRONMENT) ? Optional.empty() : Optional.of(Path.of(source));
  }

  /** A copy with another Gateway URL. */
  public Profile withGatewayUrl(String url) {
    return new Profile(stsUrl, url, zoneId, applicationId, secret, ttlSeconds, credentials, source);
  }

  @Override
  public String toString() {
    return "Profile[source=" + source + ", stsUrl=" + stsUrl + ", gatewayUrl=" + gatewayUrl + ", zoneId=" + zoneId
        + ", applicationId=" + applicationId + ", secret=***, ttlSeconds=" + ttlSeconds + ", credentials=" + credentials + "]";
  }

  private static final Set<String> TOP_KEYS = Set.of("sts_url", "gateway_url", "zone_id", "application_id",
      "app_client_secret_file", "app_client_secret", "ttl_seconds", "credentials");
  private static final Set<String> CREDENTIAL_KEYS = Set.of("env", "resource", "scopes", "upstream_prefix");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");

  /** {@code resource://billing-api} → {@code CARACAL_TOKEN_BILLING_API} (as {@code caracal run} names it). */
  public static String defaultEnvName(String resource) {
    String last = resource.replaceAll("/+$", "");
    last = last.substring(last.lastIndexOf('/') + 1);
    return "CARACAL_TOKEN_" + last.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  /** Resolves the profile from the process environment. */
  public static Profile resolve() {
    return resolve(System.getenv());
  }

  /** Resolves the profile from {@code env} in the documented order. */
  public static Profile resolve(Map<String, String> env) {
    String config = env.getOrDefault("CARACAL_CONFIG", "");
    if (!config.isBlank()) {
      return load(Path.of(config));
    }
    if (!blank(env.get("CARACAL_STS_URL")) || !blank(env.get("CARACAL_APPLICATION_ID"))) {
      return fromEnvironment(env);
    }
    Path fallback = xdgProfile(env);
    if (Files.isRegularFile(fallback)) {
      return load(fallback);
    }
    throw new ConfigException("no runtime profile: set CARACAL_CONFIG to a profile file (written by `caracal setup`), "
        + "set CARACAL_STS_URL / CARACAL_APPLICATION_ID / CARACAL_APP_CLIENT_SECRET_FILE, or create " + fallback);
  }

  /** Loads and checks one TOML profile file. */
  public static Profile load(Path path) {
    Path file = path.toAbsolutePath();
    String where = path.toString();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("profile `" + path + "` does not exist");
    }
    JsonNode root;
    try {
      root = new TomlMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("profile `" + path + "` is not valid TOML: " + oneLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException("profile `" + path + "` is not a TOML table");
    }
    checkKeys(root, TOP_KEYS, where);
    String secret = fileSecret(root, file, where);
    JsonNode raw = root.path("credentials");
    if (!raw.isMissingNode() && !(raw.isArray() && allObjects(raw))) {
      throw new ConfigException(where + ": `credentials` must be an array of tables ([[credentials]])");
    }
    List<Credential> credentials = new ArrayList<>();
    int i = 0;
    for (JsonNode c : raw) {
      String at = where + ": credentials[" + i++ + "]";
      checkKeys(c, CREDENTIAL_KEYS, at);
      String resource = string(c, "resource", at, true);
      JsonNode scopes = c.get("scopes");
      List<String> list = new ArrayList<>();
      if (scopes != null && scopes.isArray()) {
        for (JsonNode s : scopes) {
          if (!s.isTextual() || s.asText().isEmpty()) {
            list.clear();
            break;
          }
          list.add(s.asText());
        }
      }
      if (list.isEmpty()) {
        throw new ConfigException(at + ": `scopes` must list at least one scope");
      }
      String env = string(c, "env", at, false);
      if (env.isEmpty()) env = defaultEnvName(resource);
      if (!ENV_NAME.matcher(env).matches()) {
        throw new ConfigException(at + ": `env` `" + env + "` must be an upper-case environment variable name");
      }
      String prefix = string(c, "upstream_prefix", at, false);
      credentials.add(new Credential(resource, list, env, prefix.isEmpty() ? Optional.empty() : Optional.of(prefix)));
    }
    long ttl = DEFAULT_TTL_SECONDS;
    JsonNode ttlNode = root.get("ttl_seconds");
    if (ttlNode != null) {
      if (!ttlNode.isIntegralNumber() || ttlNode.asLong() <= 0) {
        throw new ConfigException(where + ": `ttl_seconds` must be a positive integer");
      }
      ttl = ttlNode.asLong();
    }
    return new Profile(string(root, "sts_url", where, true), string(root, "gateway_url", where, true),
        string(root, "zone_id", where, true), string(root, "application_id", where, true), secret, ttl, credentials, where);
  }

  static Profile fromEnvironment(Map<String, String> env) {
    List<String> missing = new ArrayList<>();
    for (String name : List.of("CARACAL_STS_URL", "CARACAL_APPLICATION_ID")) {
      if (blank(env.get(name))) missing.add(name);
    }
    String inline = env.get("CARACAL_APP_CLIENT_SECRET");
    String secretFile = env.get("CARACAL_APP_CLIENT_SECRET_FILE");
    if (!blank(inline) && !blank(secretFile)) {
      throw new ConfigException("set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE");
    }
    if (blank(inline) && blank(secretFile)) {
      missing.add("CARACAL_APP_CLIENT_SECRET_FILE (or CARACAL_APP_CLIENT_SECRET)");
    }
    if (!missing.isEmpty()) {
      throw new ConfigException((missing.size() == 1 ? "environment variable " + missing.get(0) + " is not set"
          : "environment variables " + String.join(", ", missing) + " are not set") + " (and CARACAL_CONFIG names no profile)");
    }
    String secret = !blank(inline) ? inline.trim() : readSecretFile(Path.of(secretFile), "environment");
    String ttlText = env.getOrDefault("CARACAL_TTL_SECONDS", "").trim();
    long ttl = ttlText.isEmpty() ? DEFAULT_TTL_SECONDS : ttlText.matches("\\d{1,9}") ? Long.parseLong(ttlText) : 0;
    if (ttl <= 0) {
      throw new ConfigException("CARACAL_TTL_SECONDS `" + ttlText + "` must be a positive integer");
    }
    List<Credential> credentials = new ArrayList<>();
    String resource = env.getOrDefault("CARACAL_RESOURCE", "").trim();
    if (!resource.isEmpty()) {
      List<String> scopes = splitScopes(env.getOrDefault("CARACAL_SCOPES", ""));
      if (scopes.isEmpty()) {
        throw new ConfigException("CARACAL_RESOURCE is set but CARACAL_SCOPES lists no scope");
      }
      credentials.add(new Credential(resource, scopes, defaultEnvName(resource), Optional.empty()));
    }
    return new Profile(env.get("CARACAL_STS_URL").trim(), env.getOrDefault("CARACAL_GATEWAY_URL", "").trim(),
        env.getOrDefault("CARACAL_ZONE_ID", "").trim(), env.get("CARACAL_APPLICATION_ID").trim(), secret, ttl, credentials,
        ENVIRONMENT);
  }

  static List<String> splitScopes(String text) {
    List<String> out = new ArrayList<>();
    for (String s : text.split("[ ,]+")) {
      if (!s.isEmpty()) out.add(s);
    }
    return out;
  }

  private static Path xdgProfile(Map<String, String> env) {
    String xdg = env.getOrDefault("XDG_CONFIG_HOME", "").trim();
    if (xdg.isEmpty()) {
      String home = env.getOrDefault("HOME", "").trim();
      if (home.isEmpty()) home = System.getProperty("user.home");
      return Path.of(home, ".config", "caracal", "caracal.toml");
    }
    return Path.of(xdg, "caracal", "caracal.toml");
  }

  private static String fileSecret(JsonNode root, Path file, String where) {
    JsonNode inline = root.get("app_client_secret");
    JsonNode path = root.get("app_client_secret_file");
    if (inline != null && path != null) {
      throw new ConfigException(where + ": set only one of `app_client_secret` and `app_client_secret_file`");
    }
    if (inline != null) {
      if (!inline.isTextual() || inline.asText().isBlank()) {
        throw new ConfigException(where + ": `app_client_secret` must be a non-empty string");
      }
      return inline.asText().trim();
    }
    if (path == null) {
      throw new ConfigException(where + ": missing `app_client_secret_file`");
    }
    if (!path.isTextual() || path.asText().isEmpty()) {
      throw new ConfigException(where + ": `app_client_secret_file` must be a path");
    }
    Path secret = Path.of(path.asText());
    if (!secret.isAbsolute()) secret = file.getParent().resolve(secret);
    return readSecretFile(secret, where);
  }

  private static String readSecretFile(Path path, String where) {
    if (!Files.exists(path)) {
      throw new ConfigException(where + ": secret file `" + path + "` does not exist");
    }
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(where + ": secret file `" + path + "` is not a regular file");
    }
    try {
      Set<PosixFilePermission> perms;
      try {
        perms = Files.getPosixFilePermissions(path, new LinkOption[0]);
      } catch (UnsupportedOperationException e) {
        perms = Set.of(); // not a POSIX file system
      }
      for (PosixFilePermission p : perms) {
        if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
          throw new ConfigException("secret file `" + path + "` is readable by group or others; run `chmod 600 " + path + "`");
        }
      }
      String secret = Files.readString(path).trim();
      if (secret.isEmpty()) {
        throw new ConfigException("secret file `" + path + "` is empty");
      }
      return secret;
    } catch (IOException e) {
      throw new ConfigException(where + ": cannot read secret file `" + path + "`: " + e.getMessage());
    }
  }

  private static void checkKeys(JsonNode table, Set<String> allowed, String where) {
    for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ConfigException(where + ": unknown key `" + key + "` (expected one of "
            + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static String string(JsonNode table, String key, String where, boolean required) {
    JsonNode value = table.get(key);
    if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
      if (required) throw new ConfigException(where + ": missing `" + key + "`");
      return "";
    }
    if (!value.isTextual()) {
      throw new ConfigException(where + ": `" + key + "` must be a string");
    }
    return value.asText().trim();
  }

  private static boolean allObjects(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isObject()) return false;
    }
    return true;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").trim();
  }
}
