package run.caracal.cli.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The ledger event filters `audit list` and `audit tail` share, as query parameters. */
final class EventFilterOptions {
  /** Decisions that `--decision` accepts. */
  enum DecisionFilter { ALLOW, DENY, NONE }

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

  /** The filters as query parameters (absent ones null); {@code from} overrides `--since`. */
  Map<String, String> query(Instant from) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("zone", zone);
    query.put("app", app);
    query.put("resource", resource);
    query.put("decision", decision == null ? null : decision.name().toLowerCase(Locale.ROOT));
    query.put("type", String.join(",", types));
    Instant start = from != null ? from : since == null ? null : Since.parse(since, Instant.now());
    query.put("from", start == null ? null : start.toString());
    return query;
  }
}
