package run.caracal.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.List;
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
import run.caracal.server.home.HomeProcesses.Recorded;

/** `caracal status [--ready] [--json]`: each part of the running server and its state, and every process of the home. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the state of each part (database, ledger, keys, policy sets, STS, Gateway) and every process of $CARACAL_HOME.",
    exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:running (and ready with --ready)", "1:not running or not ready"})
public final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

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
    List<Recorded> records = home.processes().records();
    Optional<String> explicit = AdminClient.explicitServer();
    Optional<LocalServer> server = LocalServer.read(home).filter(LocalServer::processAlive).filter(s -> s.process().servesAdmin());
    String who = explicit.map(u -> "caracal at " + u).orElseGet(() -> server.map(s -> "caracal (pid " + s.pid() + ")").orElse(""));
    if (server.isEmpty() && explicit.isEmpty()) {
      boolean others = records.stream().anyMatch(Recorded::alive);
      if (json) {
        out.println(records.isEmpty() ? "{\"running\":false,\"ready\":false}" : JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsString(withProcesses(JSON.createObjectNode().put("running", false).put("ready", false), records)));
      } else {
        out.println(others ? "no control process is running in " + home.root() + " (start one with `caracal serve --roles control,sts`)"
            : "caracal is not running (start it with `caracal up`)");
        printProcesses(out, home, records);
      }
      return ExitCode.FINDINGS.code();
    }
    JsonNode status;
    try {
      status = AdminClient.fromHome().get("/admin/v1/status");
    } catch (RuntimeException e) {
      if (json) {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(withProcesses(JSON.createObjectNode().put("running", true)
            .put("ready", false).put("error", e.getMessage()), records)));
      } else {
        out.println(who + " does not answer: " + e.getMessage());
        printProcesses(out, home, records);
      }
      return ExitCode.FINDINGS.code();
    }
    boolean allReady = status.path("ready").asBoolean(false);
    if (json) {
      ObjectNode all = status instanceof ObjectNode o ? o : JSON.createObjectNode();
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(withProcesses(all, records)));
    } else {
      out.println(who + " " + (allReady ? "ready" : "NOT READY"));
      for (Iterator<Map.Entry<String, JsonNode>> it = status.path("components").fields(); it.hasNext(); ) {
        var e = it.next();
        out.printf("  %-12s %-9s %s%n", e.getKey(), e.getValue().path("ready").asBoolean() ? "ready" : "NOT READY",
            e.getValue().path("detail").asText());
        for (JsonNode z : e.getValue().path("zones")) {
          out.printf("  %-12s %-9s zone %s: %s%n", "", "", z.path("zone").asText(),
              z.hasNonNull("policy_set") ? z.get("policy_set").asText() + " v" + z.get("version").asText() : z.path("note").asText());
        }
      }
      printProcesses(out, home, records);
    }
    out.flush();
    if (ready && !allReady) {
      spec.commandLine().getErr().println("caracal status: not ready");
      return ExitCode.FINDINGS.code();
    }
    return ExitCode.OK.code();
  }

  /** Every live process of the home with its roles and URLs, then the stale records skipped. */
  private static void printProcesses(PrintWriter out, CaracalHome home, List<Recorded> records) {
    List<Recorded> live = records.stream().filter(Recorded::alive).toList();
    if (!live.isEmpty()) {
      out.println("processes in " + home.root() + ":");
      for (Recorded r : live) {
        var p = r.process();
        StringBuilder line = new StringBuilder(String.format("  pid %-8d %-20s", p.pid(), String.join(",", p.roles())));
        p.adminUrl().ifPresent(u -> line.append(" sts+admin ").append(u));
        p.gatewayUrl().ifPresent(u -> line.append(" gateway ").append(u));
        out.println(line.toString().stripTrailing());
      }
    }
    for (Recorded r : records) {
      if (!r.alive()) {
        out.println("ignored stale record " + r.file() + " (pid " + r.process().pid() + " is not running)");
      }
    }
  }

  private static ObjectNode withProcesses(ObjectNode status, List<Recorded> records) {
    ArrayNode processes = status.putArray("processes");
    ArrayNode stale = status.putArray("stale_records");
    for (Recorded r : records) {
      if (r.alive()) {
        processes.add(JSON.valueToTree(r.process().toMap()));
      } else {
        stale.add(r.file().toString());
      }
    }
    return status;
  }
}
