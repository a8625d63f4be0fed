package run.caracal.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.admin.AdminClient;
import run.caracal.server.home.CaracalHome;

/** `caracal status [--ready] [--json]`: each part of the running server and its state. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the state of each part (database, ledger, keys, policy sets, STS, Gateway).",
    exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:running (and ready with --ready)", "1:not running or not ready"})
public final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--ready", description = "Exit non-zero unless every part is ready, naming what is not.")
  boolean ready;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CaracalHome home = CaracalHome.fromEnvironment();
    Optional<LocalServer> server = LocalServer.read(home).filter(LocalServer::processAlive);
    if (server.isEmpty()) {
      if (json) {
        out.println("{\"running\":false,\"ready\":false}");
      } else {
        out.println("caracal is not running (start it with `caracal up`)");
      }
      return ExitCode.FINDINGS.code();
    }
    JsonNode status;
    try {
      status = AdminClient.fromHome().get("/admin/v1/status");
    } catch (RuntimeException e) {
      out.println(json ? "{\"running\":true,\"ready\":false,\"error\":" + new ObjectMapper().writeValueAsString(e.getMessage()) + "}"
          : "caracal (pid " + server.get().pid() + ") does not answer: " + e.getMessage());
      return ExitCode.FINDINGS.code();
    }
    boolean allReady = status.path("ready").asBoolean(false);
    if (json) {
      out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
    } else {
      out.println("caracal (pid " + server.get().pid() + ") " + (allReady ? "ready" : "NOT READY"));
      for (Iterator<Map.Entry<String, JsonNode>> it = status.path("components").fields(); it.hasNext(); ) {
        var e = it.next();
        out.printf("  %-12s %-9s %s%n", e.getKey(), e.getValue().path("ready").asBoolean() ? "ready" : "NOT READY",
            e.getValue().path("detail").asText());
        for (JsonNode z : e.getValue().path("zones")) {
          out.printf("  %-12s %-9s zone %s: %s%n", "", "", z.path("zone").asText(),
              z.hasNonNull("policy_set") ? z.get("policy_set").asText() + " v" + z.get("version").asText() : z.path("note").asText());
        }
      }
    }
    out.flush();
    if (ready && !allReady) {
      spec.commandLine().getErr().println("caracal status: not ready");
      return ExitCode.FINDINGS.code();
    }
    return ExitCode.OK.code();
  }
}
