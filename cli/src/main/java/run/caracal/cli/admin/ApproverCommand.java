package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
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
import run.caracal.cli.UsageException;
import run.caracal.cli.audit.Since;

/**
 * `caracal approver ...`: the named people who answer approvals, each with a token shown once (on
 * stdout) so the ledger says who approved. Needs the admin token.
 */
@Command(name = "approver", mixinStandardHelpOptions = true,
    description = "Manage approvers: people who approve or deny held requests with their own token (docs/approvals.md).",
    subcommands = {ApproverCommand.Add.class, ApproverCommand.ListApprovers.class, ApproverCommand.Remove.class})
public final class ApproverCommand {
  /** `caracal approver add NAME --zone Z --group G [--group G2]`. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add an approver to a zone and print their token once (give it to them: `--approver-token` or CARACAL_APPROVER_TOKEN).")
  static final class Add implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "NAME", description = "Unique in the zone: lowercase letters, digits, `-`, `_` or `.`.")
    String name;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Option(names = "--group", required = true, paramLabel = "GROUP",
        description = "An approver group (the names a rule's `approvers:` lists); repeatable.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--valid-for", defaultValue = "90d", paramLabel = "DURATION",
        description = "How long the token works: 30m, 12h, 30d... up to 366d (default: ${DEFAULT-VALUE}).")
    String validFor;

    @Override
    public Integer call() {
      Duration valid = Since.duration(validFor)
          .orElseThrow(() -> new UsageException("--valid-for `" + validFor + "` is not a duration (30m, 12h, 30d)"));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("groups", groups);
      body.put("valid_for_seconds", valid.toSeconds());
      JsonNode approver = AdminClient.fromHome().post(AdminPaths.approvers(zone), body);
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(approver);
        return ExitCode.OK.code();
      }
      out.fields(AdminOutput.fieldsOf(approver));
      out.note("give the token to " + name + " now: it is not shown again (`caracal approvals approve ID --approver-token TOKEN`)");
      return ExitCode.OK.code();
    }
  }

  /** `caracal approver list [--zone Z]`. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List approvers and their groups (never their tokens).")
  static final class ListApprovers implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone's (name or id).")
    String zone;

    @Override
    public Integer call() {
      JsonNode approvers = AdminClient.fromHome().get(AdminPaths.allApprovers(zone));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(approvers);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      approvers.forEach(a -> rows.add(List.of(a.path("name").asText(), a.path("zone").asText(), AdminOutput.text(a.get("groups")),
          a.path("created_at").asText(), a.path("expires_at").asText())));
      out.table(List.of("NAME", "ZONE", "GROUPS", "CREATED", "EXPIRES"), rows,
          zone == null ? "no approvers (add one with `caracal approver add NAME --zone Z --group G`)" : "no approvers in zone `" + zone + "`");
      return ExitCode.OK.code();
    }
  }

  /** `caracal approver remove NAME --zone Z`. */
  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an approver; their token stops working at once.")
  static final class Remove implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "NAME", description = "The approver's name.")
    String name;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Override
    public Integer call() {
      JsonNode result = AdminClient.fromHome().delete(AdminPaths.approver(zone, name));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(result);
      } else {
        out.line("removed approver `" + name + "` from zone `" + zone + "`");
      }
      return ExitCode.OK.code();
    }
  }
}
