package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;

/** `caracal trace ID [--json]`: the timeline of one trace, given a trace id or a request id. */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = "Print the timeline of a trace from the ledger: its events plus the events sharing their session "
        + "or token (so a token issue and the Gateway calls made with it line up), oldest first.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:printed", "1:no ledger event has this trace or request id, or the server failed", "2:usage error"})
public final class TraceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "A trace id (32 hex digits, from `traceparent`) or a request id.")
  String id;

  @Option(names = "--limit", defaultValue = "1000", description = "At most this many events (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print the trace's events as JSON.")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 10_000) {
      throw new UsageException("--limit must be between 1 and 10000");
    }
    Optional<JsonNode> found = LedgerApi.fromHome().trace(id, limit);
    if (found.isEmpty()) {
      spec.commandLine().getErr().println("caracal: no ledger event has trace or request id `" + id + "`");
      return ExitCode.FINDINGS.code();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(AuditJson.pretty(found.get()));
    } else {
      timeline(id, found.get()).forEach(out::println);
    }
    out.flush();
    return ExitCode.OK.code();
  }

  /** The text timeline of a trace answer ({@code {id, trace_id, events}}): a title line, then the event table. */
  static List<String> timeline(String id, JsonNode found) {
    List<JsonNode> events = new ArrayList<>();
    found.path("events").forEach(events::add);
    String trace = found.path("trace_id").asText("");
    List<String> lines = new ArrayList<>();
    lines.add("trace " + (trace.isEmpty() ? "-" : trace) + (trace.equals(id) ? "" : " (of request " + id + ")")
        + ": " + events.size() + " event(s)");
    lines.addAll(EventTable.render(events));
    return lines;
  }
}
