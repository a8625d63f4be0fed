package run.caracal.cli.policy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Diagnostic;

/** `caracal policy lint PATH...`. */
@Command(name = "lint", mixinStandardHelpOptions = true,
    description = "Check policy files: YAML, structure, CEL types, references and heuristics.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:no errors (warnings allowed)", "1:errors found", "2:usage error"})
final class LintCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories (searched for *.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--format", defaultValue = "text", description = "Output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  DiagnosticWriter.Format format;

  @Override
  public Integer call() throws Exception {
    PolicyBundle bundle = PolicySources.load(paths);
    PrintWriter out = spec.commandLine().getOut();
    DiagnosticWriter.write(bundle.diagnostics(), format, out);
    long errors = bundle.diagnostics().stream().filter(Diagnostic::isError).count();
    long warnings = bundle.diagnostics().size() - errors;
    spec.commandLine().getErr().printf("%d file(s), %d document(s): %d error(s), %d warning(s)%n",
        bundle.files().size(), bundle.documents().size(), errors, warnings);
    return errors > 0 ? ExitCode.FINDINGS.code() : ExitCode.OK.code();
  }
}
