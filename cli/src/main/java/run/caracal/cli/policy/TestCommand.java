package run.caracal.cli.policy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RuleRef;
import run.caracal.engine.testing.CaseResult;
import run.caracal.engine.testing.PolicyTestRunner;
import run.caracal.engine.testing.TestReport;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Diagnostic;

/** `caracal policy test PATH...`. */
@Command(name = "test", mixinStandardHelpOptions = true,
    description = "Run the PolicyTest cases found under the paths.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:all cases pass", "1:lint errors", "2:usage error", "3:a case failed"})
final class TestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories (searched for *.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report to FILE.")
  Path junit;

  @Option(names = "--coverage", description = "Print how often each rule held, and the rules that never did.")
  boolean coverage;

  @Option(names = {"-v", "--verbose"}, description = "Print passing cases too.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PolicyBundle bundle = PolicySources.load(paths);
    if (bundle.hasErrors()) {
      bundle.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> err.println(d.format()));
      err.println("lint errors: fix them before running tests (`caracal policy lint`)");
      return ExitCode.FINDINGS.code();
    }
    TestReport report = new PolicyTestRunner().run(bundle, Instant.now());
    for (CaseResult r : report.cases()) {
      if (!r.passed()) {
        out.println("FAIL " + r.name() + "  (" + r.testCase().position() + ")");
        r.failures().forEach(f -> out.println("     " + f));
        r.decision().ifPresent(d -> {
          out.println("     actual: " + d.verdict().id() + " rules=" + d.rules().stream().map(RuleRef::qualifiedName).distinct().toList()
              + " reasons=" + d.reasons().stream().map(ReasonCode::id).toList());
          d.errors().forEach(e -> out.println("     error: " + e));
        });
      } else if (verbose) {
        out.println("ok   " + r.name());
      }
    }
    if (coverage) {
      out.println("rule coverage (cases in which each rule held):");
      for (Map.Entry<String, Integer> e : report.coverage().entrySet()) {
        out.printf("  %4d  %s%n", e.getValue(), e.getKey());
      }
      List<String> never = report.unexercised();
      out.println(never.isEmpty() ? "every rule held in at least one case"
          : "rules never exercised: " + String.join(", ", never));
    }
    if (junit != null) {
      JunitReport.write(report, junit);
    }
    out.printf("%d case(s): %d passed, %d failed%n", report.cases().size(), report.cases().size() - report.failed(), report.failed());
    if (report.cases().isEmpty()) {
      err.println("no PolicyTest cases found under " + paths);
    }
    out.flush();
    return report.passed() ? ExitCode.OK.code() : ExitCode.TESTS_FAILED.code();
  }
}
