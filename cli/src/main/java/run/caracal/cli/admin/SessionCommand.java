package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;

/** `caracal session ...`: list, inspect and terminate agent sessions. */
@Command(name = "session", mixinStandardHelpOptions = true,
    description = "Inspect and terminate sessions (terminating one ends all its delegated descendants).",
    subcommands = {SessionCommand.ListSessions.class, SessionCommand.Get.class, SessionCommand.Terminate.class})
public final class SessionCommand {
  /** `caracal session list --zone Z [--all]`. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the live sessions of a zone (at most 500, newest first).")
  static final class ListSessions implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Option(names = "--all", description = "Include expired and terminated sessions.")
    boolean all;

    @Override
    public Integer call() {
      JsonNode sessions = AdminClient.fromHome().get(AdminPaths.sessions(zone, all));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(sessions);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      sessions.forEach(s -> rows.add(List.of(s.path("session_id").asText(), s.path("application_id").asText(),
          s.path("depth").asText(), AdminOutput.text(s.get("parent_session_id")), AdminOutput.text(s.get("scopes")),
          s.path("expires_at").asText(), AdminOutput.text(s.get("terminated_at")))));
      out.table(List.of("ID", "APP", "DEPTH", "PARENT", "SCOPES", "EXPIRES", "TERMINATED"), rows,
          all ? "no sessions in zone `" + zone + "`" : "no live sessions in zone `" + zone + "` (--all includes ended ones)");
      return ExitCode.OK.code();
    }
  }

  /** `caracal session get ID`. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a session.")
  static final class Get implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Session id.")
    String id;

    @Override
    public Integer call() {
      JsonNode session = AdminClient.fromHome().get(AdminPaths.session(id));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(session);
      } else {
        out.fields(AdminOutput.fieldsOf(session));
      }
      return ExitCode.OK.code();
    }
  }

  /** `caracal session terminate ID`. */
  @Command(name = "terminate", mixinStandardHelpOptions = true,
      description = "Terminate a session and every session delegated from it; their tokens stop introspecting active.")
  static final class Terminate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Session id.")
    String id;

    @Override
    public Integer call() {
      JsonNode result = AdminClient.fromHome().delete(AdminPaths.session(id));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(result);
        return ExitCode.OK.code();
      }
      List<String> ended = new ArrayList<>();
      result.path("terminated").forEach(s -> ended.add(s.asText()));
      if (ended.isEmpty()) {
        out.line("session `" + id + "` had already ended");
      } else {
        out.line("terminated " + ended.size() + " session(s):");
        ended.forEach(s -> out.line("  " + s));
      }
      return ExitCode.OK.code();
    }
  }
}
