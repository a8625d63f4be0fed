package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.admin.AdminClient;

/** `caracal explain REQUEST_ID [--json]`: who asked for what, what decided it, and what to fix. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Explain one request from the ledger: application, session, resource, scopes, rules and "
        + "policy-set version, Gateway and upstream result, decision, reasons, and which layer to fix.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:explained", "1:no ledger event has this request id, or the server failed", "2:usage error"})
public final class ExplainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "REQUEST_ID", description = "The request id (`X-Caracal-Request-Id`, or `request_id` in an error body).")
  String requestId;

  @Option(names = "--json", description = "Print the request's events and the explanation summary as JSON.")
  boolean json;

  @Override
  public Integer call() {
    LedgerApi api = LedgerApi.fromHome();
    Optional<JsonNode> found = api.request(requestId);
    if (found.isEmpty()) {
      spec.commandLine().getErr().println("caracal: no ledger event has request id `" + requestId
          + "` (use the `X-Caracal-Request-Id` header or the `request_id` of an error body)");
      return ExitCode.FINDINGS.code();
    }
    RequestReport report = Explanations.report(api, requestId, found.get());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode summary = summary(report, found.get());
      ExplainText.approvalOf(report, api.approvals()).ifPresent(a -> summary.set("approval", a));
      out.println(AuditJson.pretty(summary));
    } else {
      new ExplainText(report, api::session, api::zone, api.approvals()).render().forEach(out::println);
    }
    out.flush();
    return ExitCode.OK.code();
  }

  private static ObjectNode summary(RequestReport report, JsonNode response) {
    ObjectNode root = AdminClient.JSON.createObjectNode();
    root.put("request_id", report.requestId());
    root.put("decision", report.finalDecision());
    var reasons = root.putArray("reasons");
    report.reasons().forEach(r -> reasons.addObject().put("code", r).put("text", Reasons.describe(r)).put("layer", Reasons.layer(r).label()));
    if (report.decisionEvent().isPresent()) {
      root.putObject("fix").put("layer", report.layer().label()).put("hint", FixHint.of(report));
    }
    root.set("events", response.path("events"));
    return root;
  }
}
