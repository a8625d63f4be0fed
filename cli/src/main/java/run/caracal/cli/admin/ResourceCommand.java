package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * `caracal resource ...`: the APIs agents reach, with their scopes, upstream and operations.
 * `create` refuses an existing id and `update` a missing one; both send the whole definition.
 */
@Command(name = "resource", mixinStandardHelpOptions = true,
    description = "Manage resources (the APIs tokens are issued for and the gateway protects).",
    subcommands = {ResourceCommand.Create.class, ResourceCommand.Update.class, ResourceCommand.ListResources.class,
        ResourceCommand.Get.class, ResourceCommand.Delete.class, ImportToolsCommand.class})
public final class ResourceCommand {
  /** `caracal resource create --zone Z --id ID --scopes a,b`. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a resource; fails if the id exists in the zone.")
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    ResourceSpecOptions resource;

    @Override
    public Integer call() {
      Map<String, Object> body = resource.body();
      AdminClient client = AdminClient.fromHome();
      if (find(client, resource.zone, resource.id) != null) {
        throw new IllegalStateException("resource `" + resource.id + "` already exists in zone `" + resource.zone
            + "` (change it with `caracal resource update`)");
      }
      printResource(new AdminOutput(spec, output), client.put(AdminPaths.resources(resource.zone), body));
      return ExitCode.OK.code();
    }
  }

  /** `caracal resource update --zone Z --id ID --scopes a,b`. */
  @Command(name = "update", mixinStandardHelpOptions = true,
      description = {"Replace a resource's definition with the options given; fails if the id does not exist.",
          "The stored upstream credential is kept unless --credential-file or --clear-credential is given."})
  static final class Update implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    ResourceSpecOptions resource;

    @Option(names = "--clear-credential", description = "Remove the stored upstream credential.")
    boolean clearCredential;

    @Override
    public Integer call() {
      Map<String, Object> body = resource.body();
      if (clearCredential) {
        if (resource.credentialFile != null) {
          throw new UsageException("give either --credential-file or --clear-credential, not both");
        }
        body.put("clear_upstream_credential", true);
      }
      AdminClient client = AdminClient.fromHome();
      JsonNode existing = find(client, resource.zone, resource.id);
      if (existing == null) {
        throw new IllegalStateException("resource `" + resource.id + "` not found in zone `" + resource.zone
            + "` (add it with `caracal resource create`)");
      }
      AdminOutput out = new AdminOutput(spec, output);
      printResource(out, client.put(AdminPaths.resources(resource.zone), body));
      List<String> cleared = cleared(existing, body);
      if (!cleared.isEmpty()) {
        out.note("note: cleared " + String.join(", ", cleared) + " (update replaces the whole definition; repeat the options to keep them)");
      }
      return ExitCode.OK.code();
    }
  }

  /** `caracal resource list --zone Z`. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the resources of a zone.")
  static final class ListResources implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Override
    public Integer call() {
      JsonNode resources = AdminClient.fromHome().get(AdminPaths.resources(zone));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(resources);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      resources.forEach(r -> rows.add(List.of(r.path("id").asText(), AdminOutput.text(r.get("scopes")),
          AdminOutput.text(r.get("upstream")), r.path("upstream_credential").asText(), r.path("updated_at").asText())));
      out.table(List.of("ID", "SCOPES", "UPSTREAM", "CREDENTIAL", "UPDATED"), rows, "no resources in zone `" + zone + "`");
      return ExitCode.OK.code();
    }
  }

  /** `caracal resource get --zone Z ID`. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a resource.")
  static final class Get implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Parameters(paramLabel = "ID", description = "Resource id, e.g. resource://billing-api.")
    String id;

    @Override
    public Integer call() {
      printResource(new AdminOutput(spec, output), AdminClient.fromHome().get(AdminPaths.resource(zone, id)));
      return ExitCode.OK.code();
    }
  }

  /** `caracal resource delete --zone Z ID`. */
  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a resource.")
  static final class Delete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Parameters(paramLabel = "ID", description = "Resource id, e.g. resource://billing-api.")
    String id;

    @Override
    public Integer call() {
      JsonNode result = AdminClient.fromHome().delete(AdminPaths.resource(zone, id));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(result);
      } else {
        out.line("deleted resource `" + id + "` from zone `" + zone + "`");
      }
      return ExitCode.OK.code();
    }
  }

  /** The resource, or null when the zone has none with this id (an unknown zone is an error). */
  private static JsonNode find(AdminClient client, String zone, String id) {
    try {
      return client.get(AdminPaths.resource(zone, id));
    } catch (AdminException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
    client.get(AdminPaths.zone(zone));
    return null;
  }

  /** The optional parts the resource had that this update leaves out, and so removes. */
  private static List<String> cleared(JsonNode before, Map<String, Object> body) {
    List<String> cleared = new ArrayList<>();
    for (String field : List.of("upstream", "labels", "attributes", "operations", "tools", "mask_arguments")) {
      JsonNode had = before.path(field);
      Object now = body.get(field);
      boolean hadSome = had.isTextual() || had.isContainerNode() && had.size() > 0;
      boolean nowNone = now == null || now instanceof Collection<?> c && c.isEmpty() || now instanceof Map<?, ?> m && m.isEmpty();
      if (hadSome && nowNone) {
        cleared.add(field);
      }
    }
    return cleared;
  }

  private static void printResource(AdminOutput out, JsonNode resource) {
    if (out.isJson()) {
      out.json(resource);
      return;
    }
    Map<String, String> fields = AdminOutput.fieldsOf(resource);
    List<String> operations = new ArrayList<>();
    resource.path("operations").forEach(o -> operations.add(
        o.path("method").asText() + " " + o.path("path").asText() + " " + o.path("scope").asText()));
    fields.put("operations", operations.isEmpty() ? "-" : String.join(", ", operations));
    if (resource.has("tools")) {
      List<String> tools = new ArrayList<>();
      resource.path("tools").forEach(t -> tools.add(t.path("name").asText() + "=" + t.path("scope").asText()
          + (t.has("input_schema") ? " (schema)" : "")));
      fields.put("tools", tools.isEmpty() ? "- (every tool; any scope of the token)" : String.join(", ", tools));
    }
    out.fields(fields);
  }
}
