package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;

/**
 * `caracal audit tail [filters] [--follow] [--json]`: the newest matching events, then (with
 * `--follow`) new ones as they are recorded, polled once a second. `--json` prints one JSON object
 * per line.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = "Show the newest matching ledger events; with --follow keep printing new ones.")
final class AuditTailCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  EventFilterOptions filters;

  @Option(names = {"-n", "--lines"}, defaultValue = "20", description = "How many recent events to show first (default: ${DEFAULT-VALUE}).")
  int lines;

  @Option(names = {"-f", "--follow"}, description = "Keep polling for new events until interrupted.")
  boolean follow;

  @Option(names = "--json", description = "One JSON object per line.")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    if (lines < 0 || lines > 10_000) {
      throw new UsageException("--lines must be between 0 and 10000");
    }
    LedgerApi api = LedgerApi.fromHome();
    PrintWriter out = spec.commandLine().getOut();
    Set<String> seen = new HashSet<>();
    Map<String, String> query = filters.query(null);
    query.put("limit", String.valueOf(Math.max(1, lines)));
    query.put("order", "newest");
    List<JsonNode> recent = new ArrayList<>();
    api.events(query).path("events").forEach(recent::add);
    Collections.reverse(recent);
    Instant last = recent.isEmpty() ? Instant.now() : Instant.parse(recent.get(recent.size() - 1).path("occurred_at").asText(Instant.now().toString()));
    print(out, lines == 0 ? List.of() : recent, seen);
    while (follow) {
      Thread.sleep(1000);
      Map<String, String> next = filters.query(last);
      next.put("limit", "1000");
      next.put("order", "oldest");
      List<JsonNode> fresh = new ArrayList<>();
      api.events(next).path("events").forEach(e -> {
        if (!seen.contains(e.path("id").asText())) {
          fresh.add(e);
        }
      });
      if (!fresh.isEmpty()) {
        last = Instant.parse(fresh.get(fresh.size() - 1).path("occurred_at").asText(last.toString()));
      }
      print(out, fresh, seen);
    }
    return ExitCode.OK.code();
  }

  private void print(PrintWriter out, List<JsonNode> events, Set<String> seen) {
    events.forEach(e -> seen.add(e.path("id").asText()));
    if (json) {
      events.forEach(e -> out.println(e.toString()));
    } else if (!events.isEmpty()) {
      EventTable.render(events).forEach(out::println);
    }
    out.flush();
  }
}
