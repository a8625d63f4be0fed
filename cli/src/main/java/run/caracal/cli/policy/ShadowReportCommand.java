package run.caracal.cli.policy;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
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

  @Mixin
  ReplayOptions options;

  @Override
  public Integer call() throws IOException {
    options.validate();
    Instant now = Instant.now();
    Instant from = options.from(now);
    Instant to = options.to(now);
    ImpactReport report = new ImpactReport(PolicySetRef.NONE, options.limit);
    DecisionEvents.stream(options.source(), options.zone, from, to, event -> {
      try {
        Replay.shadow(event.record()).ifPresent(report::add);
      } catch (IllegalArgumentException e) {
        report.skipped();
      }
    }, spec.commandLine().getErr()::println);
    options.print(report, spec.commandLine().getOut(), from, to,
        "no decision in zone " + options.zone + " between " + from + " and " + to + " was made with a shadow set");
    return options.exit(report);
  }
}
