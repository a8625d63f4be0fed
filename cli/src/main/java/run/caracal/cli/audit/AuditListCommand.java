package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;

/** `caracal audit list [filters] [--json]`: the newest matching ledger events, oldest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the newest ledger events that match the filters, oldest first.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:listed (possibly nothing)", "1:the server failed", "2:usage error"})
final class AuditListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  EventFilterOptions filters;

  @Option(names = "--limit", defaultValue = "50", description = "At most this many events, 1..10000 (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print the events as a JSON array.")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 10_000) {
      throw new UsageException("--limit must be between 1 and 10000");
    }
    Map<String, String> query = filters.query(null);
    query.put("limit", String.valueOf(limit));
    query.put("order", "newest");
    JsonNode page = LedgerApi.fromHome().events(query);
    List<JsonNode> events = new ArrayList<>();
    page.path("events").forEach(events::add);
    Collections.reverse(events);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      var array = AdminClient.JSON.createArrayNode();
      events.forEach(array::add);
      out.println(AuditJson.pretty(array));
    } else if (events.isEmpty()) {
      spec.commandLine().getErr().println("no ledger events match");
    } else {
      EventTable.render(events).forEach(out::println);
    }
    out.flush();
    if (page.path("next_cursor").isTextual()) {
      spec.commandLine().getErr().println("showing the newest " + events.size() + "; older events match too (raise --limit or narrow --since)");
    }
    return ExitCode.OK.code();
  }
}
