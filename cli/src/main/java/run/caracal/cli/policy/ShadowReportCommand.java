package run.caracal.cli.policy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.decision.ImpactReport;
import run.caracal.decision.Replay;
import run.caracal.engine.decision.PolicySetRef;

/**
 * `caracal policy shadow-report --zone Z`: what the zone's shadow set decided beside the active
 * one, from the decision records (no replay: the shadow decision was made and recorded with
 * each request). Same report as `policy simulate`.
 */
@Command(name = "shadow-report", mixinStandardHelpOptions = true,
    description = "Report where the zone's shadow policy set decided differently from the active one, from the recorded decisions.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done", "1:the server or export failed", "2:usage error", "4:--fail-on-change and they disagreed"})
final class ShadowReportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--zone", required = true, description = "The zone (name or id).")
  String zone;

  @Option(names = "--since", defaultValue = "24h", description = "From this long ago or this time (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--until", description = "Up to this time (default: now).")
  String until;

  @Option(names = "--limit", defaultValue = "1000", description = "List at most this many disagreements (all are counted; default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--format", defaultValue = "text", description = "text, json or junit (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--export", paramLabel = "FILE", description = "Read an export (`caracal audit export`) instead of the server.")
  Path export;

  @Option(names = "--fail-on-change", description = "Exit 4 when the shadow set disagreed with the active one.")
  boolean failOnChange;

  @Override
  public Integer call() throws IOException {
    if (!List.of("text", "json", "junit").contains(format)) {
      throw new UsageException("--format must be text, json or junit");
    }
    Instant now = Instant.now();
    Instant from = SimulateCommand.time("--since", since, now);
    Instant to = until == null ? now : SimulateCommand.time("--until", until, now);
    ImpactReport report = new ImpactReport(PolicySetRef.NONE, Math.max(0, limit));
    DecisionEvents.stream(export, zone, from, to, event -> {
      try {
        Replay.shadow(DecisionRecordJson.read(event)).ifPresent(report::add);
      } catch (IllegalArgumentException e) {
        report.skipped();
      }
    });
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case "json" -> out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()));
      case "junit" -> out.print(ImpactText.junit(report));
      default -> {
        if (report.total() == 0) {
          out.println("no decision in zone " + zone + " between " + from + " and " + to + " was made with a shadow set");
        } else {
          ImpactText.text(report, zone, from, to).forEach(out::println);
        }
      }
    }
    out.flush();
    return failOnChange && report.changed() ? ExitCode.CHANGED.code() : ExitCode.OK.code();
  }
}
