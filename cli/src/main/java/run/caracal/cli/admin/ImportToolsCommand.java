package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient.AdminException;

/**
 * `caracal resource import-tools ID --zone Z`: lists the MCP server's tools (at the resource's
 * upstream or {@code --url}) and stores each tool's input schema on the resource's declared tool
 * of the same name, so lint can check the arguments rules read. A declared glob gets no schema (it
 * may cover tools with different arguments); {@code --declare SCOPE} declares every listed tool no
 * declaration covers, with its schema. The rest of the resource is sent back unchanged.
 */
@Command(name = "import-tools", mixinStandardHelpOptions = true,
    description = {"Store an MCP server's tool input schemas on an MCP resource's declared tools (from the server's tools/list).",
        "A declared name glob gets no schema; --declare SCOPE also declares every listed tool no declaration covers."})
final class ImportToolsCommand implements Callable<Integer> {
  /** Fields of the admin view the server computes; never sent back. */
  private static final List<String> READ_ONLY = List.of("zone_id", "upstream_credential", "created_at", "updated_at");

  @Spec
  CommandSpec spec;

  @Mixin
  OutputOptions output;

  @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
  String zone;

  @Parameters(paramLabel = "ID", description = "The MCP resource, e.g. resource://files.")
  String id;

  @Option(names = "--url", paramLabel = "MCP_URL", description = "The MCP server's endpoint (default: the resource's upstream).")
  String url;

  @Option(names = "--header", paramLabel = "'NAME: VALUE'", description = "A header sent to the MCP server (e.g. its credential); repeatable.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--declare", paramLabel = "SCOPE", description = "Also declare every listed tool no declaration covers, needing SCOPE.")
  String declare;

  /** What happened to one tool: {@code name}, its {@code status}, and for a glob the listed tools it covers. */
  private record Outcome(String name, String status, List<String> covers) {}

  @Override
  public Integer call() {
    Map<String, String> sent = McpToolList.headers(headers);
    AdminClient client = AdminClient.fromHome();
    JsonNode resource = resource(client);
    if (!resource.path("protocol").asText("http").equals("mcp")) {
      throw new IllegalStateException("resource `" + id + "` is not an MCP resource (protocol "
          + resource.path("protocol").asText("http") + "); make it one with `caracal resource update ... --protocol mcp`");
    }
    if (declare != null && !contains(resource.path("scopes"), declare)) {
      throw new UsageException("--declare `" + declare + "` is not one of the resource's scopes (" + AdminOutput.text(resource.get("scopes")) + ")");
    }
    String endpoint = Optional.ofNullable(url).or(() -> Optional.ofNullable(resource.get("upstream"))
        .filter(JsonNode::isTextual).map(JsonNode::asText)).orElseThrow(() ->
        new UsageException("resource `" + id + "` has no upstream; give the MCP server's URL with --url"));
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--url `" + endpoint + "` is not a URL");
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?")) {
      throw new UsageException("--url `" + endpoint + "` must be an http or https URL");
    }
    List<McpToolList.Tool> listed = new McpToolList(uri, sent).tools();

    ObjectNode body = resource.deepCopy();
    READ_ONLY.forEach(body::remove);
    ArrayNode tools = body.withArray("tools");
    boolean noneDeclared = tools.isEmpty();
    List<Outcome> outcomes = new ArrayList<>();
    for (JsonNode declared : tools) {
      String name = declared.path("name").asText();
      if (name.contains("*")) {
        List<String> covers = listed.stream().map(McpToolList.Tool::name).filter(n -> glob(name, n)).toList();
        outcomes.add(new Outcome(name, "glob (no schema stored)", covers));
        continue;
      }
      Optional<McpToolList.Tool> match = listed.stream().filter(t -> t.name().equals(name)).findFirst();
      if (match.isEmpty()) {
        outcomes.add(new Outcome(name, "not listed by the server", List.of()));
      } else if (match.get().inputSchema() == null) {
        outcomes.add(new Outcome(name, "no input schema", List.of()));
      } else {
        ((ObjectNode) declared).set("input_schema", match.get().inputSchema());
        outcomes.add(new Outcome(name, "schema imported", List.of()));
      }
    }
    List<String> undeclared = listed.stream().map(McpToolList.Tool::name)
        .filter(n -> outcomes.stream().noneMatch(o -> o.name().equals(n) || o.covers().contains(n))).toList();
    if (declare != null) {
      for (McpToolList.Tool t : listed) {
        if (undeclared.contains(t.name())) {
          ObjectNode added = tools.addObject().put("name", t.name()).put("scope", declare);
          if (t.inputSchema() != null) {
            added.set("input_schema", t.inputSchema());
          }
          outcomes.add(new Outcome(t.name(), "declared with scope " + declare, List.of()));
        }
      }
    }
    boolean changed = outcomes.stream().anyMatch(o -> o.status().equals("schema imported") || o.status().startsWith("declared"));
    JsonNode stored = changed ? client.put(AdminPaths.resources(zone), body) : resource;
    print(new AdminOutput(spec, output), outcomes, declare == null ? undeclared : List.of(), noneDeclared, listed.size(), stored, changed);
    return ExitCode.OK.code();
  }

  private JsonNode resource(AdminClient client) {
    try {
      return client.get(AdminPaths.resource(zone, id));
    } catch (AdminException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
    client.get(AdminPaths.zone(zone));
    throw new IllegalStateException("resource `" + id + "` not found in zone `" + zone + "` (add it with `caracal resource create`)");
  }

  private void print(AdminOutput out, List<Outcome> outcomes, List<String> undeclared, boolean noneDeclared, int listed, JsonNode stored, boolean changed) {
    if (out.isJson()) {
      ObjectNode json = AdminClient.JSON.createObjectNode();
      json.put("listed", listed);
      ArrayNode tools = json.putArray("tools");
      outcomes.forEach(o -> {
        ObjectNode t = tools.addObject().put("name", o.name()).put("status", o.status());
        if (!o.covers().isEmpty()) {
          o.covers().forEach(t.putArray("covers")::add);
        }
      });
      undeclared.forEach(json.putArray("undeclared")::add);
      json.put("stored", changed);
      json.set("resource", stored);
      out.json(json);
      return;
    }
    out.line("listed " + listed + " tool" + (listed == 1 ? "" : "s") + " from the MCP server");
    Map<String, String> fields = new LinkedHashMap<>();
    outcomes.forEach(o -> fields.put(o.name(), o.status() + (o.covers().isEmpty() ? "" : ": " + String.join(", ", o.covers()))));
    if (!fields.isEmpty()) {
      out.fields(fields);
    }
    if (!undeclared.isEmpty() && noneDeclared) {
      out.note("note: `" + id + "` declares no tools, so no schema was stored (declare the listed tools with --declare SCOPE)");
    } else if (!undeclared.isEmpty()) {
      out.note("note: not declared (denied once any tool is declared): " + String.join(", ", undeclared)
          + " (declare them with --declare SCOPE or `caracal resource update --tool NAME=SCOPE`)");
    }
    if (!changed) {
      out.note("note: nothing to store on `" + id + "`");
    }
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode n : array) {
      if (n.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** `*` matches any run of characters, everything else itself. */
  static boolean glob(String glob, String name) {
    StringBuilder re = new StringBuilder();
    for (String part : glob.split("\\*", -1)) {
      re.append(re.isEmpty() ? "" : ".*").append(Pattern.quote(part));
    }
    return name.matches(re.toString());
  }
}
