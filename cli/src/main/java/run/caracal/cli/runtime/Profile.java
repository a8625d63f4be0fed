package run.caracal.cli.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runtime profile an agent runs with: where the STS and Gateway are, which app it is, its
 * secret (in a file of mode 0600, or inline), the session lifetime, and the credentials to obtain
 * (resource, scopes, the environment variable to put the token in, the upstream prefix the SDKs
 * route through the Gateway). Resolution: {@code CARACAL_CONFIG}, then {@code CARACAL_*}
 * environment variables, then {@code $XDG_CONFIG_HOME/caracal/caracal.toml}.
 */
public record Profile(
    Optional<Path> source, String stsUrl, String gatewayUrl, String zoneId, String applicationId, String secret,
    long ttlSeconds, List<Credential> credentials) {
  /** One credential the run obtains. */
  public record Credential(String env, String resource, List<String> scopes, Optional<String> upstreamPrefix) {}

  /** A profile that cannot be used; the message says which file and key. */
  public static final class ProfileException extends RuntimeException {
    public ProfileException(String message) {
      super(message);
    }
  }

  private static final Set<String> TOP_KEYS = Set.of("sts_url", "gateway_url", "zone_id", "application_id",
      "app_client_secret_file", "app_client_secret", "ttl_seconds", "credentials");
  private static final Set<String> CREDENTIAL_KEYS = Set.of("env", "resource", "scopes", "upstream_prefix");

  /** Resolves the profile from the environment as documented. */
  public static Profile resolve(Map<String, String> env) {
    String config = env.get("CARACAL_CONFIG");
    if (config != null && !config.isBlank()) {
      return load(Path.of(config));
    }
    if (env.containsKey("CARACAL_APPLICATION_ID") || env.containsKey("CARACAL_STS_URL")) {
      return fromEnvironment(env);
    }
    String xdg = env.getOrDefault("XDG_CONFIG_HOME", System.getProperty("user.home") + "/.config");
    Path fallback = Path.of(xdg, "caracal", "caracal.toml");
    if (Files.exists(fallback)) {
      return load(fallback);
    }
    throw new ProfileException("no runtime profile: set CARACAL_CONFIG to a profile file (written by `caracal setup`), "
        + "set CARACAL_STS_URL / CARACAL_APPLICATION_ID / CARACAL_APP_CLIENT_SECRET_FILE, or create " + fallback);
  }

  public static Profile load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ProfileException("profile `" + file + "` does not exist");
    }
    JsonNode root;
    try {
      root = new TomlMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ProfileException("profile `" + file + "` is not valid TOML: " + oneLine(e.getMessage()));
    }
    checkKeys(root, TOP_KEYS, file + "");
    String secret = secret(root, file);
    List<Credential> credentials = new ArrayList<>();
    JsonNode creds = root.path("credentials");
    if (!creds.isMissingNode() && !creds.isArray()) {
      throw new ProfileException(file + ": `credentials` must be an array of tables ([[credentials]])");
    }
    int i = 0;
    for (JsonNode c : creds) {
      String where = file + ": credentials[" + i++ + "]";
      checkKeys(c, CREDENTIAL_KEYS, where);
      String resource = required(c, "resource", where);
      List<String> scopes = new ArrayList<>();
      c.path("scopes").forEach(s -> scopes.add(s.asText()));
      if (scopes.isEmpty()) {
        throw new ProfileException(where + ": `scopes` must list at least one scope");
      }
      String envName = c.hasNonNull("env") ? c.get("env").asText() : defaultEnv(resource);
      if (!envName.matches("[A-Z_][A-Z0-9_]*")) {
        throw new ProfileException(where + ": `env` `" + envName + "` must be an upper-case environment variable name");
      }
      credentials.add(new Credential(envName, resource, scopes,
          Optional.ofNullable(c.hasNonNull("upstream_prefix") ? c.get("upstream_prefix").asText() : null)));
    }
    return new Profile(Optional.of(file), required(root, "sts_url", file + ""), required(root, "gateway_url", file + ""),
        required(root, "zone_id", file + ""), required(root, "application_id", file + ""), secret,
        root.path("ttl_seconds").asLong(1800), credentials);
  }

  static Profile fromEnvironment(Map<String, String> env) {
    String sts = envRequired(env, "CARACAL_STS_URL");
    String app = envRequired(env, "CARACAL_APPLICATION_ID");
    String inline = env.get("CARACAL_APP_CLIENT_SECRET");
    String file = env.get("CARACAL_APP_CLIENT_SECRET_FILE");
    if (inline != null && file != null) {
      throw new ProfileException("set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE");
    }
    String secret = inline != null ? inline : readSecretFile(Path.of(envRequired(env, "CARACAL_APP_CLIENT_SECRET_FILE")), "environment");
    List<Credential> credentials = new ArrayList<>();
    String resource = env.get("CARACAL_RESOURCE");
    if (resource != null) {
      credentials.add(new Credential(defaultEnv(resource), resource,
          List.of(env.getOrDefault("CARACAL_SCOPES", "").split("[ ,]+")), Optional.empty()));
    }
    return new Profile(Optional.empty(), sts, env.getOrDefault("CARACAL_GATEWAY_URL", ""), env.getOrDefault("CARACAL_ZONE_ID", ""),
        app, secret, Long.parseLong(env.getOrDefault("CARACAL_TTL_SECONDS", "1800")), credentials);
  }

  /** `resource://billing-api` → `CARACAL_TOKEN_BILLING_API`. */
  public static String defaultEnv(String resource) {
    String last = resource.replaceAll("/+$", "");
    last = last.substring(last.lastIndexOf('/') + 1);
    return "CARACAL_TOKEN_" + last.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  private static String secret(JsonNode root, Path file) {
    boolean inline = root.hasNonNull("app_client_secret");
    boolean fromFile = root.hasNonNull("app_client_secret_file");
    if (inline && fromFile) {
      throw new ProfileException(file + ": set only one of `app_client_secret` and `app_client_secret_file`");
    }
    if (inline) {
      return root.get("app_client_secret").asText();
    }
    if (!fromFile) {
      throw new ProfileException(file + ": missing `app_client_secret_file`");
    }
    Path secretFile = Path.of(root.get("app_client_secret_file").asText());
    if (!secretFile.isAbsolute() && file.toAbsolutePath().getParent() != null) {
      secretFile = file.toAbsolutePath().getParent().resolve(secretFile);
    }
    return readSecretFile(secretFile, file.toString());
  }

  private static String readSecretFile(Path secretFile, String where) {
    if (!Files.isRegularFile(secretFile)) {
      throw new ProfileException(where + ": secret file `" + secretFile + "` does not exist");
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(secretFile);
      if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        throw new ProfileException("secret file `" + secretFile + "` is readable by group or others; run `chmod 600 " + secretFile + "`");
      }
      String secret = Files.readString(secretFile).trim();
      if (secret.isEmpty()) {
        throw new ProfileException("secret file `" + secretFile + "` is empty");
      }
      return secret;
    } catch (IOException e) {
      throw new ProfileException("cannot read secret file `" + secretFile + "`: " + e.getMessage());
    }
  }

  private static void checkKeys(JsonNode node, Set<String> allowed, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ProfileException(where + ": unknown key `" + key + "` (expected one of " + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  private static String required(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull() || v.asText().isBlank()) {
      throw new ProfileException(where + ": missing `" + key + "`");
    }
    return v.asText();
  }

  private static String envRequired(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new ProfileException("environment variable " + name + " is not set (and CARACAL_CONFIG names no profile)");
    }
    return v;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").trim();
  }

  /** The TOML text of a profile, as `caracal setup` writes it. */
  public static String toToml(String stsUrl, String gatewayUrl, String zoneId, String appId, Path secretFile, long ttl,
      List<Credential> credentials) {
    StringBuilder sb = new StringBuilder("# Caracal runtime profile, written by `caracal setup`.\n");
    sb.append("sts_url = ").append(q(stsUrl)).append('\n');
    sb.append("gateway_url = ").append(q(gatewayUrl)).append('\n');
    sb.append("zone_id = ").append(q(zoneId)).append('\n');
    sb.append("application_id = ").append(q(appId)).append('\n');
    sb.append("app_client_secret_file = ").append(q(secretFile.toAbsolutePath().toString())).append('\n');
    sb.append("ttl_seconds = ").append(ttl).append('\n');
    for (Credential c : credentials) {
      sb.append("\n[[credentials]]\n");
      sb.append("env = ").append(q(c.env())).append('\n');
      sb.append("resource = ").append(q(c.resource())).append('\n');
      sb.append("scopes = [").append(String.join(", ", c.scopes().stream().map(Profile::q).toList())).append("]\n");
      c.upstreamPrefix().ifPresent(p -> sb.append("upstream_prefix = ").append(q(p)).append('\n'));
    }
    return sb.toString();
  }

  private static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
