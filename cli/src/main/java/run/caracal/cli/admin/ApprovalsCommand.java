package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;

/** `caracal approvals ...`: requests a `require_approval` rule holds, and a person's answer to them. */
@Command(name = "approvals", mixinStandardHelpOptions = true,
    description = "List, inspect, approve and deny requests held for a person's approval (docs/approvals.md).",
    subcommands = {ApprovalsCommand.ListApprovals.class, ApprovalsCommand.Show.class, ApprovalsCommand.Approve.class,
        ApprovalsCommand.Deny.class})
public final class ApprovalsCommand {
  /** Whose token the command presents: an approver's when given, else the admin token of `$CARACAL_HOME`. */
  static final class Credentials {
    @Option(names = "--approver-token", paramLabel = "TOKEN",
        description = "Act as this approver (`apv_...`, from `caracal approver add`; or set CARACAL_APPROVER_TOKEN). "
            + "Default: the admin token of $CARACAL_HOME (break-glass).")
    String approverToken;

    AdminClient client() {
      return AdminClient.approverToken(approverToken).map(AdminClient::fromHome).orElseGet(AdminClient::fromHome);
    }

    /** Runs a call, naming the reason code when the server refused the approver. */
    JsonNode call(Function<AdminClient, JsonNode> call) {
      try {
        return call.apply(client());
      } catch (AdminClient.AdminException e) {
        String reason = e.body().path("reason").asText("");
        if (reason.startsWith("approver_") || reason.equals("app_credential_cannot_approve")) {
          throw new IllegalStateException(e.getMessage() + " (" + reason + ")", e);
        }
        throw e;
      }
    }
  }

  /** `caracal approvals list [--zone Z] [--state S]`. */
  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List approvals (at most 500, newest first): a zone's, the approver's zone's, or every zone's.")
  static final class ListApprovals implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    Credentials credentials;

    @Option(names = "--zone", paramLabel = "ZONE",
        description = "Zone name or id (default: the approver's zone, or every zone with the admin token).")
    String zone;

    @Option(names = "--state", paramLabel = "STATE", description = "Only pending, approved, denied, expired or used ones.")
    String state;

    @Override
    public Integer call() {
      JsonNode approvals = credentials.call(c -> c.get(AdminPaths.approvals(zone, state)));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(approvals);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      approvals.forEach(a -> rows.add(List.of(a.path("id").asText(), a.path("state").asText(), a.path("app_id").asText(),
          a.path("resource").asText(), summary(a.path("request")), a.path("requested_at").asText())));
      out.table(List.of("ID", "STATE", "APP", "RESOURCE", "REQUEST", "REQUESTED"), rows,
          "no " + (state == null ? "" : state + " ") + "approvals" + (zone == null ? "" : " in zone `" + zone + "`"));
      return ExitCode.OK.code();
    }
  }

  /** `caracal approvals show ID`. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an approval and the request it is for.")
  static final class Show implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    Credentials credentials;

    @Parameters(paramLabel = "ID", description = "Approval id (apr_...).")
    String id;

    @Override
    public Integer call() {
      print(spec, output, credentials.call(c -> c.get(AdminPaths.approval(id))));
      return ExitCode.OK.code();
    }
  }

  /** An approver's answer: `approve` or `deny`. */
  private abstract static class Answer implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Approval id (apr_...).")
    String id;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Why (kept in the ledger).")
    String comment;

    @Mixin
    Credentials credentials;

    abstract String verb();

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      if (comment != null) {
        body.put("comment", comment);
      }
      print(spec, output, credentials.call(c -> c.post(AdminPaths.approval(id) + "/" + verb(), body)));
      return ExitCode.OK.code();
    }
  }

  /** `caracal approvals approve ID [--comment TEXT]`. */
  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a pending request: the identical request goes through (once, or until the approval expires).")
  static final class Approve extends Answer {
    @Override
    String verb() {
      return "approve";
    }
  }

  /** `caracal approvals deny ID [--comment TEXT]`. */
  @Command(name = "deny", mixinStandardHelpOptions = true,
      description = "Deny a pending request: the identical request is refused with approval_denied until the approval expires.")
  static final class Deny extends Answer {
    @Override
    String verb() {
      return "deny";
    }
  }

  private static void print(CommandSpec spec, OutputOptions output, JsonNode approval) {
    AdminOutput out = new AdminOutput(spec, output);
    if (out.isJson()) {
      out.json(approval);
      return;
    }
    Map<String, String> fields = AdminOutput.fieldsOf(approval);
    fields.put("request", summary(approval.path("request")));
    out.fields(fields);
  }

  /** `GET /exports/all (read)`, or `tools/call send_mail {...}` for an MCP call. */
  public static String summary(JsonNode request) {
    JsonNode mcp = request.path("mcp");
    String what = mcp.isObject() ? (mcp.path("method").asText() + " " + mcp.path("tool").asText(mcp.path("prompt").asText(""))
        + (mcp.path("arguments").size() > 0 ? " " + mcp.path("arguments") : "")).trim()
        : request.path("method").asText() + " " + request.path("path").asText();
    List<String> scopes = new ArrayList<>();
    request.path("scopes").forEach(s -> scopes.add(s.asText()));
    return what + (scopes.isEmpty() ? "" : " (" + String.join(" ", scopes) + ")");
  }
}
