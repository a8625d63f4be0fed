package run.caracal.cli.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.Launcher;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.ResourceSpecOptions;
import run.caracal.sdk.Profile;
import run.caracal.server.home.CaracalHome;
import run.caracal.server.home.HomeProcesses;
import run.caracal.server.home.ProcessRecord;

/**
 * `caracal setup`: zone → app → resource → starter policy and set (activated) → runtime profile
 * and secret file, then the exact first request to run. Asks for what is missing on a terminal;
 * with flags (and `--yes`) it runs unattended for scripts and CI.
 */
@Command(name = "setup", mixinStandardHelpOptions = true,
    description = "Set up a zone, an agent app, a resource and a starter policy; write the runtime profile.")
public final class SetupCommand implements Callable<Integer> {
  /** The headers of an MCP request over Streamable HTTP, as curl options. */
  private static final String MCP_HEADERS = "-H \"Content-Type: application/json\" -H \"Accept: application/json, text/event-stream\"";
  /** An MCP `initialize` request: the first message of a session. */
  private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
      + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"curl\",\"version\":\"1\"}}}";

  @Spec
  CommandSpec spec;

  @Option(names = "--zone", description = "Zone name (created when missing).")
  String zone;

  @Option(names = "--app", description = "Agent application name (new).")
  String app;

  @Option(names = "--resource-id", description = "Resource id, e.g. resource://billing-api.")
  String resourceId;

  @Option(names = "--scopes", split = ",", description = "Scopes the resource declares, comma-separated.")
  List<String> scopes;

  @Option(names = "--upstream", description = "Upstream URL the Gateway forwards to.")
  String upstream;

  @Option(names = "--protocol", defaultValue = "http", paramLabel = "http|mcp",
      description = "`mcp` when the upstream is an MCP server (agents reach it at {gateway}/mcp/{name}); default: ${DEFAULT-VALUE}.")
  String protocol = "http";

  @Option(names = "--tool", paramLabel = "NAME=SCOPE",
      description = "With --protocol mcp: a tool (name glob) and the scope a call needs, e.g. read_*=files:read; repeatable.")
  List<String> tools = new ArrayList<>();

  @Option(names = "--profile", description = "Where to write the runtime profile (default: ./caracal.toml).")
  Path profile;

  @Option(names = "--secret-file", description = "Where to write the app secret, mode 0600 (default: next to the profile).")
  Path secretFile;

  @Option(names = "--first-path", defaultValue = "/", description = "Path of the first request to suggest (default: ${DEFAULT-VALUE}).")
  String firstPath;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  /** Extra policy documents to push with the starter policy (used by `caracal quickstart`). */
  List<String> extraPolicyNames = List.of();
  String extraPolicyYaml = "";
  @Option(names = "--policy", paramLabel = "NAME",
      description = "Use this policy, already pushed to the zone, instead of writing <app>-starter.")
  String existingPolicy;

  @Option(names = "--credential-file", paramLabel = "PATH",
      description = "A provider credential the Gateway sends upstream as Authorization (stored sealed; never shown).")
  Path credentialFile;

  /** The provider credential read from {@link #credentialFile}; null for none. */
  String upstreamCredential;

  @Override
  public Integer call() throws Exception {
    Console console = System.console();
    zone = ask(console, zone, "zone name", "default");
    app = ask(console, app, "agent app name", null);
    resourceId = ask(console, resourceId, "resource id (resource://...)", null);
    if (scopes == null || scopes.isEmpty()) {
      scopes = List.of(ask(console, null, "scopes (comma-separated)", null).split("\\s*,\\s*"));
    }
    upstream = ask(console, upstream, "upstream URL", null);
    List<Map<String, String>> declared = tools.stream().map(ResourceSpecOptions::tool).toList();
    if (!protocol.equals("http") && !protocol.equals("mcp")) {
      throw new UsageException("--protocol must be http or mcp, not `" + protocol + "`");
    }
    if (!protocol.equals("mcp") && !declared.isEmpty()) {
      throw new UsageException("--tool needs --protocol mcp");
    }
    declared.stream().filter(t -> !scopes.contains(t.get("scope"))).findFirst().ifPresent(t -> {
      throw new UsageException("--tool `" + t.get("name") + "=" + t.get("scope") + "`: scope `" + t.get("scope")
          + "` is not in --scopes");
    });
    if (credentialFile != null) {
      upstreamCredential = ResourceSpecOptions.credential(credentialFile);
    }
    Path profilePath = profile != null ? profile : Path.of("caracal.toml");
    Path secretPath = secretFile != null ? secretFile
        : profilePath.toAbsolutePath().getParent().resolve(app + ".secret");
    if (Files.exists(secretPath)) {
      throw new UsageException("secret file `" + secretPath + "` already exists; choose another --secret-file or remove it");
    }
    if (!yes && console != null) {
      String answer = console.readLine("create zone `%s`, app `%s`, resource `%s` (%s) → %s and write %s? [y/N] ",
          zone, app, resourceId, String.join(",", scopes), upstream, profilePath);
      if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).startsWith("y")) {
        spec.commandLine().getErr().println("caracal setup: nothing changed");
        return ExitCode.FINDINGS.code();
      }
    }
    Result result = apply(AdminClient.fromHome(), profilePath, secretPath);
    print(result);
    return ExitCode.OK.code();
  }

  /**
   * What setup created: the profile and secret file paths, whether they were written, and the
   * profile text (no secret in it: it names the secret file).
   */
  public record Result(String zoneId, String zoneName, String appId, String resourceId, String policySet, int setVersion,
      Path profile, Path secretFile, boolean written, String profileText, String gatewayUrl, String stsUrl, String envName,
      String firstPath, String protocol) {
    /** Where an MCP client reaches an MCP resource: {@code {gateway}/mcp/{name}}, the id without its scheme. */
    public String mcpUrl() {
      return gatewayUrl + "/mcp/" + resourceId.substring(resourceId.indexOf("://") + 3);
    }

    public boolean mcp() {
      return "mcp".equals(protocol);
    }
  }

  /**
   * The console's guided setup: the same admin calls as `caracal setup`. With {@code writeFiles} the
   * secret goes to {@code secretPath} (mode 0600) and the profile to {@code profilePath}; without, no
   * file is written and the app secret is handed to {@code oneTimeSecret} instead.
   */
  public static Result guided(AdminClient admin, String zone, String app, String resourceId, List<String> scopes,
      String upstream, Optional<Path> credentialFile, Optional<String> existingPolicy, boolean writeFiles, Path profilePath,
      Path secretPath, Consumer<String> oneTimeSecret) throws Exception {
    if (writeFiles && Files.exists(secretPath)) {
      throw new UsageException("secret file `" + secretPath + "` already exists; choose another path or remove it");
    }
    SetupCommand setup = new SetupCommand();
    setup.zone = zone;
    setup.app = app;
    setup.resourceId = resourceId;
    setup.scopes = List.copyOf(scopes);
    setup.upstream = upstream;
    setup.existingPolicy = existingPolicy.orElse(null);
    setup.upstreamCredential = credentialFile.map(ResourceSpecOptions::credential).orElse(null);
    return setup.apply(admin, profilePath, secretPath, writeFiles, oneTimeSecret);
  }

  Result apply(AdminClient admin, Path profilePath, Path secretPath) throws Exception {
    return apply(admin, profilePath, secretPath, true, secret -> { });
  }

  /**
   * Creates the objects; with {@code writeFiles} the secret goes to {@code secretPath} and the
   * profile to {@code profilePath}, without them the secret goes to {@code oneTimeSecret} and the
   * result holds the profile (naming {@code secretPath}) for the user to save.
   */
  private Result apply(AdminClient admin, Path profilePath, Path secretPath, boolean writeFiles,
      Consumer<String> oneTimeSecret) throws Exception {
    JsonNode z;
    try {
      z = admin.get("/admin/v1/zones/" + AdminClient.encode(zone));
    } catch (AdminClient.AdminException e) {
      if (e.status() != 404) {
        throw e;
      }
      if (existingPolicy != null) {
        throw new UsageException("zone `" + zone + "` does not exist, so it has no policy `" + existingPolicy + "` to use");
      }
      z = admin.post("/admin/v1/zones", Map.of("name", zone));
    }
    String zoneId = z.get("id").asText();
    Set<String> setPolicies = new LinkedHashSet<>();
    admin.get("/admin/v1/zones/" + zoneId + "/policies").path("policies").forEach(p -> setPolicies.add(p.get("name").asText()));
    if (existingPolicy != null && !setPolicies.contains(existingPolicy)) {
      throw new UsageException("zone `" + zone + "` has no policy `" + existingPolicy + "`; pushed: "
          + (setPolicies.isEmpty() ? "none" : String.join(", ", setPolicies)));
    }
    JsonNode created = admin.post("/admin/v1/zones/" + zoneId + "/apps", Map.of("name", app));
    String appId = created.get("id").asText();
    if (writeFiles) {
      writePrivate(secretPath, created.get("client_secret").asText() + "\n");
    } else {
      oneTimeSecret.accept(created.get("client_secret").asText());
    }
    Map<String, Object> resource = new LinkedHashMap<>(Map.of("id", resourceId, "scopes", scopes, "upstream", upstream));
    if (upstreamCredential != null) {
      resource.put("upstream_credential", upstreamCredential);
    }
    if ("mcp".equals(protocol)) {
      resource.put("protocol", "mcp");
      resource.put("tools", tools.stream().map(ResourceSpecOptions::tool).toList());
    }
    admin.put("/admin/v1/zones/" + zoneId + "/resources", resource);
    String starter = existingPolicy != null ? existingPolicy : app + "-starter";
    String policyYaml = existingPolicy != null ? "" : "apiVersion: caracal.run/v1\nkind: Policy\nmetadata:\n  name: " + starter
        + "\n  description: Starter policy written by caracal setup\nspec:\n  resources: [" + quote(resourceId) + "]\n  rules:\n"
        + "    - name: app-may-use-declared-scopes\n      effect: allow\n      scopes: [" + String.join(", ", scopes.stream().map(SetupCommand::quote).toList())
        + "]\n      when: " + quote("principal.id == '" + appId + "'") + "\n";
    setPolicies.add(starter);
    setPolicies.addAll(extraPolicyNames);
    String setYaml = "---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: default}\nspec:\n  policies: ["
        + String.join(", ", setPolicies) + "]\n";
    List<Map<String, String>> files = new ArrayList<>();
    files.add(Map.of("name", (existingPolicy != null ? "default-set" : starter) + ".yaml", "content", policyYaml + extraPolicyYaml + setYaml));
    admin.post("/admin/v1/zones/" + zoneId + "/policies", Map.of("files", files));
    JsonNode activation = admin.post("/admin/v1/zones/" + zoneId + "/activate", Map.of("policy_set", "default"));
    HomeProcesses processes = CaracalHome.fromEnvironment().processes();
    String gateway = processes.gatewayUrl().orElse("");
    String sts = AdminClient.explicitServer().orElseGet(() -> processes.admin().map(ProcessRecord::stsUrl).orElse(admin.baseUrl()));
    String envName = Profile.defaultEnvName(resourceId);
    Path secret = secretPath.toAbsolutePath();
    String profileText = ProfileToml.of(sts, gateway, zoneId, appId, secret, Profile.DEFAULT_TTL_SECONDS,
        List.of(new Profile.Credential(resourceId, scopes, envName, Optional.of(upstream))));
    if (writeFiles) {
      writePrivate(profilePath, profileText);
    }
    return new Result(zoneId, zone, appId, resourceId, "default", activation.path("version").asInt(), profilePath.toAbsolutePath(),
        secret, writeFiles, profileText, gateway, sts, envName, firstPath == null ? "/" : firstPath,
        protocol == null ? "http" : protocol);
  }

  private void print(Result r) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("zone_id", r.zoneId());
      m.put("application_id", r.appId());
      m.put("resource_id", r.resourceId());
      m.put("policy_set", r.policySet());
      m.put("policy_set_version", r.setVersion());
      m.put("profile", r.profile().toString());
      m.put("secret_file", r.secretFile().toString());
      m.put("gateway_url", r.gatewayUrl());
      if (r.mcp()) {
        m.put("mcp_url", r.mcpUrl());
      }
      m.put("first_request", firstRequest(r));
      out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
    } else {
      out.println("setup complete");
      out.println("  zone:         " + r.zoneName() + " (" + r.zoneId() + ")");
      out.println("  app:          " + app + " (" + r.appId() + ")");
      out.println("  resource:     " + r.resourceId() + (r.mcp() ? " (MCP server)" : ""));
      if (r.mcp()) {
        out.println("  mcp url:      " + r.mcpUrl() + " (give it to the agent's MCP client with its token)");
      }
      out.println("  policy set:   " + r.policySet() + " v" + r.setVersion() + " (active)");
      out.println("  profile:      " + r.profile());
      out.println("  secret file:  " + r.secretFile() + " (mode 0600, shown nowhere else)");
      out.println();
      out.println("first request:");
      out.println("  " + firstRequest(r));
      out.println("or by hand, with a token in $TOKEN:");
      if (r.mcp()) {
        out.println("  curl -H \"Authorization: Bearer $TOKEN\" " + MCP_HEADERS + " -d '" + INITIALIZE + "' " + r.mcpUrl());
      } else {
        out.println("  curl -H \"Authorization: Bearer $TOKEN\" -H \"X-Caracal-Resource: " + r.resourceId() + "\" " + r.gatewayUrl() + r.firstPath());
      }
    }
    out.flush();
  }

  public static String firstRequest(Result r) {
    if (r.mcp()) {
      return "CARACAL_CONFIG=" + r.profile() + " " + Launcher.name() + " run -- sh -c 'curl -s -H \"Authorization: Bearer $" + r.envName()
          + "\" " + MCP_HEADERS + " -d \"" + INITIALIZE.replace("\"", "\\\"") + "\" " + r.mcpUrl() + "'";
    }
    return "CARACAL_CONFIG=" + r.profile() + " " + Launcher.name() + " run -- sh -c 'curl -s -H \"Authorization: Bearer $" + r.envName()
        + "\" -H \"X-Caracal-Resource: " + r.resourceId() + "\" " + r.gatewayUrl() + r.firstPath() + "'";
  }

  private static String ask(Console console, String value, String what, String fallback) {
    if (value != null && !value.isBlank()) {
      return value;
    }
    if (console == null) {
      if (fallback != null) {
        return fallback;
      }
      throw new UsageException("missing " + what + " (give it as an option; there is no terminal to ask on)");
    }
    String answer = console.readLine("%s%s: ", what, fallback == null ? "" : " [" + fallback + "]");
    if ((answer == null || answer.isBlank()) && fallback != null) {
      return fallback;
    }
    if (answer == null || answer.isBlank()) {
      throw new UsageException("missing " + what);
    }
    return answer.trim();
  }

  static void writePrivate(Path file, String content) throws IOException {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content, StandardOpenOption.TRUNCATE_EXISTING);
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
