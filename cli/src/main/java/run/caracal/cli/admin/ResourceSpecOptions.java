package run.caracal.cli.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import run.caracal.cli.UsageException;

/** What `caracal resource create` and `update` send: the whole definition of one resource. */
public final class ResourceSpecOptions {
  private static final long MAX_CREDENTIAL_BYTES = 64 * 1024;

  @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
  String zone;

  @Option(names = "--id", required = true, paramLabel = "ID", description = "Resource id, e.g. resource://billing-api.")
  String id;

  @Option(names = "--scopes", required = true, split = ",", paramLabel = "SCOPE", description = "Scopes the resource declares (comma-separated).")
  List<String> scopes;

  @Option(names = "--upstream", paramLabel = "URL", description = "Upstream base URL the gateway forwards to.")
  String upstream;

  @Option(names = "--label", paramLabel = "LABEL", description = "A label (`resource.labels` in policies); repeatable.")
  List<String> labels = new ArrayList<>();

  @Option(names = "--attribute", paramLabel = "KEY=VALUE", description = "An attribute (`resource.attributes`); repeatable.")
  Map<String, String> attributes = new LinkedHashMap<>();

  @Option(names = "--operation", paramLabel = "\"METHOD /path scope\"",
      description = "An operation the gateway maps to a scope, e.g. \"GET /invoices/* billing:read\"; repeatable.")
  List<String> operations = new ArrayList<>();

  @Option(names = "--inspect-body", paramLabel = "CONTENT-TYPE",
      description = "Let policies read JSON bodies of this content type as request.body (repeatable, e.g. application/json).")
  List<String> inspectBody = new ArrayList<>();

  @Option(names = "--inspect-body-max-bytes", defaultValue = "65536", paramLabel = "N",
      description = "Largest inspected body; bigger ones get 413 (default: ${DEFAULT-VALUE}, at most 1 MiB).")
  int inspectBodyMaxBytes;

  @Option(names = "--protocol", defaultValue = "http", paramLabel = "http|mcp",
      description = "`mcp` for an MCP server (reached at {gateway}/mcp/{name}; tool calls decided per tool); default: ${DEFAULT-VALUE}.")
  String protocol;

  @Option(names = "--tool", paramLabel = "NAME=SCOPE",
      description = "An MCP tool (name glob, `*` any characters) and the scope a call needs, e.g. read_*=files:read; repeatable. "
          + "Once any is declared, undeclared tools are denied.")
  List<String> tools = new ArrayList<>();

  @Option(names = "--mask-argument", paramLabel = "PATH",
      description = "An MCP argument path fingerprinted in decision records (e.g. password or auth.*); repeatable.")
  List<String> maskArguments = new ArrayList<>();

  @Option(names = "--max-body-bytes", defaultValue = "1048576", paramLabel = "N",
      description = "MCP resources: largest JSON-RPC body the gateway reads; bigger ones get 413 (default: ${DEFAULT-VALUE}, at most 16 MiB).")
  int maxBodyBytes;

  @Option(names = "--credential-file", paramLabel = "PATH",
      description = "File holding the upstream credential the gateway injects (stored encrypted; never shown).")
  Path credentialFile;

  /** The JSON body of `PUT /admin/v1/zones/{zone}/resources`. */
  Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("scopes", scopes.stream().map(String::strip).filter(s -> !s.isEmpty()).toList());
    body.put("labels", labels);
    body.put("attributes", attributes);
    if (upstream != null) {
      body.put("upstream", upstream);
    }
    body.put("operations", operations.stream().map(ResourceSpecOptions::operation).toList());
    if (!inspectBody.isEmpty()) {
      body.put("body_inspection", Map.of("content_types", inspectBody, "max_bytes", inspectBodyMaxBytes));
    }
    if (credentialFile != null) {
      body.put("upstream_credential", credential(credentialFile));
    }
    if (!protocol.equals("http") && !protocol.equals("mcp")) {
      throw new UsageException("--protocol must be http or mcp, not `" + protocol + "`");
    }
    if (!protocol.equals("mcp") && (!tools.isEmpty() || !maskArguments.isEmpty())) {
      throw new UsageException("--tool and --mask-argument need --protocol mcp");
    }
    body.put("protocol", protocol);
    if (protocol.equals("mcp")) {
      body.put("tools", tools.stream().map(ResourceSpecOptions::tool).toList());
      body.put("mask_arguments", maskArguments);
      body.put("max_body_bytes", maxBodyBytes);
    }
    return body;
  }

  /** One `--tool NAME=SCOPE` as the admin API's `{name, scope}`; a malformed one is a usage error. */
  public static Map<String, String> tool(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1 || text.strip().contains(" ")) {
      throw new UsageException("--tool `" + text + "` must look like NAME=SCOPE, e.g. read_*=files:read");
    }
    return Map.of("name", text.substring(0, eq), "scope", text.substring(eq + 1));
  }

  private static Map<String, String> operation(String text) {
    String[] parts = text.strip().split("\\s+");
    if (parts.length != 3 || !parts[1].startsWith("/")) {
      throw new UsageException("--operation `" + text + "` must look like \"METHOD /path scope\"");
    }
    return Map.of("method", parts[0], "path", parts[1], "scope", parts[2]);
  }

  /** The file's text without its final line break; a UsageException names what is wrong with the file. */
  public static String credential(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new UsageException("credential file `" + file + "` does not exist");
      }
      if (Files.size(file) > MAX_CREDENTIAL_BYTES) {
        throw new UsageException("credential file `" + file + "` is larger than 64 KiB");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8).replaceFirst("\\r?\\n\\z", "");
      if (text.isEmpty()) {
        throw new UsageException("credential file `" + file + "` is empty");
      }
      return text;
    } catch (IOException e) {
      throw new UsageException("cannot read credential file `" + file + "`: " + e.getMessage());
    }
  }
}
