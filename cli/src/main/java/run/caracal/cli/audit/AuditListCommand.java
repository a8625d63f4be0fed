package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
  /** Decisions that `--decision` accepts. */
  enum DecisionFilter { ALLOW, DENY, NONE }

  @Spec
  CommandSpec spec;

  @Option(names = "--zone", paramLabel = "ZONE", description = "Zone id or name.")
  String zone;

  @Option(names = "--app", paramLabel = "APP", description = "Application id.")
  String app;

  @Option(names = "--resource", paramLabel = "RESOURCE", description = "Resource id, e.g. resource://billing-api.")
  String resource;

  @Option(names = "--decision", paramLabel = "DECISION", description = "allow, deny or none.")
  DecisionFilter decision;

  @Option(names = "--type", paramLabel = "TYPE", split = ",",
      description = "Event type, e.g. authorization, gateway.decision, or a family such as session.* (repeatable).")
  List<String> types = new ArrayList<>();

  @Option(names = "--since", paramLabel = "DURATION|TIME", description = "Only events since then: 15m, 2h, 7d, or 2026-01-31T09:00:00Z.")
  String since;

  @Option(names = "--limit", defaultValue = "50", description = "At most this many events, 1..10000 (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print the events as a JSON array.")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 10_000) {
      throw new UsageException("--limit must be between 1 and 10000");
    }
    Map<String, String> query = new LinkedHashMap<>();
    query.put("zone", zone);
    query.put("app", app);
    query.put("resource", resource);
    query.put("decision", decision == null ? null : decision.name().toLowerCase(java.util.Locale.ROOT));
    query.put("type", String.join(",", types));
    query.put("from", since == null ? null : Since.parse(since, Instant.now()).toString());
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
