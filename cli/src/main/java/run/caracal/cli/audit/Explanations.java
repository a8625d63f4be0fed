package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import run.caracal.cli.admin.AdminClient;

/**
 * The text renderings of `caracal explain` and `caracal audit list`, for other views of the
 * ledger (the console). The lines are the same ones those commands print.
 */
public final class Explanations {
  private Explanations() {}

  /** The `caracal explain` lines of one request; empty when no ledger event has that request id. */
  public static Optional<List<String>> explain(AdminClient client, String requestId) {
    LedgerApi api = new LedgerApi(client);
    return api.request(requestId).map(found -> new ExplainText(report(api, requestId, found), api::session, api::zone, api.approvals()).render());
  }

  /** The `caracal trace` timeline of a trace or request id; empty when no ledger event has that id. */
  public static Optional<List<String>> trace(AdminClient client, String id) {
    return new LedgerApi(client).trace(id, 1_000).map(found -> TraceCommand.timeline(id, found));
  }

  /** The `caracal audit list` table: a header line, then one line per event in the given order. */
  public static List<String> eventTable(List<JsonNode> events) {
    return EventTable.render(events);
  }

  static RequestReport report(LedgerApi api, String requestId, JsonNode found) {
    RequestReport report = RequestReport.of(requestId, found.path("events"));
    if (report.gatewayToken().isPresent()) {
      report = report.withIssueFrom(api.trace(requestId, 1_000).map(t -> t.path("events")).orElse(AdminClient.JSON.createArrayNode()));
    }
    return report;
  }
}
