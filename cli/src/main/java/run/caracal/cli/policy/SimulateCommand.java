package run.caracal.cli.policy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.decision.ImpactReport;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Diagnostic;

/**
 * `caracal policy simulate PATH... --zone Z`: decides the zone's recorded decisions again with a
 * candidate policy set compiled from local files, and reports what would change. Records stream
 * from the running server (or an export file) and are never held all at once.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Replay a zone's recorded decisions against a candidate policy set from local files and report what would change.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done", "1:lint errors, or the server or export failed", "2:usage error",
        "4:--fail-on-change and a decision changed (or could not be told)"})
final class SimulateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ReplayOptions options;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Policy files or directories (*.yaml, *.yml) holding the candidate set.")
  List<Path> paths;

  @Option(names = "--set", description = "The candidate policy set (default: the only one in the files).")
  String set;

  @Option(names = "--phase", description = "Only decisions of this phase: issue (STS) or request (Gateway).")
  String phase;

  @Override
  public Integer call() throws IOException {
    options.validate();
    if (phase != null && !phase.equals("issue") && !phase.equals("request")) {
      throw new UsageException("--phase must be issue or request");
    }
    Instant now = Instant.now();
    Instant from = options.from(now);
    Instant to = options.to(now);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PolicyBundle bundle = PolicySources.load(paths);
    if (bundle.hasErrors()) {
      bundle.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> err.println(d.format()));
      err.println("lint errors: fix them before simulating (`caracal policy lint`)");
      return ExitCode.FINDINGS.code();
    }
    CompiledPolicySet candidate = LocalPolicySet.compile(bundle, setName(bundle));
    ImpactReport report = Impact.replay(candidate, bundle.policies().values(), options.source(), options.zone, from, to,
        phase, options.limit, err::println);
    options.print(report, out, from, to, "no recorded decision of zone " + options.zone + " between " + from + " and " + to);
    return options.exit(report);
  }

  private String setName(PolicyBundle bundle) {
    if (set != null) {
      if (!bundle.sets().containsKey(set)) {
        throw new UsageException("no policy set `" + set + "` in " + paths + " (sets: " + String.join(", ", bundle.sets().keySet()) + ")");
      }
      return set;
    }
    if (bundle.sets().size() != 1) {
      throw new UsageException(bundle.sets().isEmpty() ? "no PolicySet in " + paths
          : "several policy sets in " + paths + "; name one with --set (" + String.join(", ", bundle.sets().keySet()) + ")");
    }
    return bundle.sets().keySet().iterator().next();
  }
}
