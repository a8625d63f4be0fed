package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

/** `caracal zone ...`: create, list, show and delete zones through the admin API. */
@Command(name = "zone", mixinStandardHelpOptions = true,
    description = "Manage zones (each has its own apps, resources, policies and signing keys).",
    subcommands = {ZoneCommand.Create.class, ZoneCommand.ListZones.class, ZoneCommand.Get.class, ZoneCommand.Update.class,
        ZoneCommand.Delete.class})
public final class ZoneCommand {
  /** `caracal zone create NAME`. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a zone.")
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "NAME", description = "Lowercase letters, digits, `-`, `_` or `.`.")
    String name;

    @Override
    public Integer call() {
      JsonNode zone = AdminClient.fromHome().post(AdminPaths.zones(), Map.of("name", name));
      printZone(new AdminOutput(spec, output), zone);
      return ExitCode.OK.code();
    }
  }

  /** `caracal zone list`. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List zones.")
  static final class ListZones implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
      JsonNode zones = AdminClient.fromHome().get(AdminPaths.zones());
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(zones);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      zones.forEach(z -> rows.add(List.of(z.path("name").asText(), z.path("id").asText(), z.path("created_at").asText())));
      out.table(List.of("NAME", "ID", "CREATED"), rows, "no zones (create one with `caracal zone create NAME`)");
      return ExitCode.OK.code();
    }
  }

  /** `caracal zone get ZONE`. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a zone and its active and shadow policy sets.")
  static final class Get implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Override
    public Integer call() {
      JsonNode z = AdminClient.fromHome().get(AdminPaths.zone(zone));
      printZone(new AdminOutput(spec, output), z);
      return ExitCode.OK.code();
    }
  }

  /** `caracal zone update ZONE --approval-webhook URL` (an empty URL clears it). */
  @Command(name = "update", mixinStandardHelpOptions = true, description = "Change a zone's settings.")
  static final class Update implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Option(names = "--approval-webhook", required = true, paramLabel = "URL",
        description = "POST a JSON notice of each new pending approval to this http(s) URL; '' clears it (docs/approvals.md).")
    String approvalWebhook;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("approval_webhook", approvalWebhook.isBlank() ? null : approvalWebhook);
      JsonNode z = AdminClient.fromHome().patch(AdminPaths.zone(zone), body);
      AdminOutput out = new AdminOutput(spec, output);
      printZone(out, z);
      if (!out.isJson() && z.hasNonNull("approval_webhook_secret")) {
        out.note("the receiver checks each notice's Caracal-Signature with approval_webhook_secret (docs/approvals.md); "
            + "setting the same URL again shows the same secret, another URL gives another");
      }
      return ExitCode.OK.code();
    }
  }

  /** `caracal zone delete ZONE`. */
  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a zone; it must have no apps or resources left.")
  static final class Delete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Override
    public Integer call() {
      JsonNode result = AdminClient.fromHome().delete(AdminPaths.zone(zone));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(result);
      } else {
        out.line("deleted zone `" + zone + "`");
      }
      return ExitCode.OK.code();
    }
  }

  private static void printZone(AdminOutput out, JsonNode zone) {
    if (out.isJson()) {
      out.json(zone);
      return;
    }
    Map<String, String> fields = AdminOutput.fieldsOf(zone);
    fields.computeIfPresent("active_policy_set", (k, v) -> activation(zone.get(k)));
    fields.computeIfPresent("shadow_policy_set", (k, v) -> activation(zone.get(k)));
    out.fields(fields);
  }

  /** `prod v3 (since 2026-...)`, or `-` for none. */
  private static String activation(JsonNode a) {
    if (a == null || a.isNull() || a.path("policy_set").isNull()) {
      return "-";
    }
    return a.path("policy_set").asText() + " v" + a.path("version").asText() + " (since " + a.path("activated_at").asText() + ")";
  }
}
